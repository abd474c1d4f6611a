# Cross-compiling for 64-bit Windows from Linux with mingw-w64 (Debian: gcc-mingw-w64-x86-64):
#   cmake -S . -B build-windows -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/mingw-w64-x86_64.cmake
# (scripts/check-windows.sh builds and tests this way, under Wine). The Vulkan headers are
# architecture-independent: point Vulkan_INCLUDE_DIR at a directory holding only vulkan/ and
# vk_video/ (never /usr/include itself, whose C library headers are not mingw's).
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)
set(VKBERT_MINGW_PREFIX x86_64-w64-mingw32 CACHE STRING "mingw-w64 tool prefix")
set(CMAKE_C_COMPILER ${VKBERT_MINGW_PREFIX}-gcc)
set(CMAKE_RC_COMPILER ${VKBERT_MINGW_PREFIX}-windres)
set(CMAKE_FIND_ROOT_PATH /usr/${VKBERT_MINGW_PREFIX})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
