# Finds every third-party dependency. Native builds use system packages; a missing one stops
# the configure step with the Debian package that provides it. Where there are no such
# packages (the Android NDK, Windows), VKBERT_FETCH_DEPS fetches the pinned releases below,
# checks their SHA-256 and builds them into the library. The host's shader tools are found
# on the build machine (glslangValidator, or glslc from the NDK's shader-tools).
include(FetchContent)
find_package(PkgConfig QUIET)

set(VKBERT_FETCH_DEPS AUTO CACHE STRING
    "cJSON and utf8proc: AUTO (installed ones; building for Android or Windows, fetch what is missing), ON (always the pinned releases), OFF (installed only)")
set_property(CACHE VKBERT_FETCH_DEPS PROPERTY STRINGS AUTO ON OFF)
set(vkbert_fetch_always OFF)
set(vkbert_fetch_missing OFF)
if(VKBERT_FETCH_DEPS STREQUAL "AUTO")
  if(ANDROID OR WIN32)
    set(vkbert_fetch_missing ON)
  endif()
elseif(VKBERT_FETCH_DEPS)
  set(vkbert_fetch_always ON)
  set(vkbert_fetch_missing ON)
endif()

# Pinned releases (GitHub release archives; the hashes are of those archives).
set(VKBERT_CJSON_URL https://github.com/DaveGamble/cJSON/archive/refs/tags/v1.7.18.tar.gz)
set(VKBERT_CJSON_SHA256 3aa806844a03442c00769b83e99970be70fbef03735ff898f4811dd03b9f5ee5)
set(VKBERT_UTF8PROC_URL https://github.com/JuliaStrings/utf8proc/archive/refs/tags/v2.9.0.tar.gz)
set(VKBERT_UTF8PROC_SHA256 18c1626e9fc5a2e192311e36b3010bfc698078f692888940f1fa150547abb0c1)

macro(vkbert_require cond what pkg)
  if(NOT ${cond})
    message(FATAL_ERROR "vkbert: ${what} not found. On Debian/Ubuntu install it with:\n"
                        "    apt-get install ${pkg}")
  endif()
endmacro()

# Downloads (or, with FETCHCONTENT_SOURCE_DIR_<NAME>, takes from a local directory) a pinned
# source release without running its own build: vkbert compiles the few files it needs.
function(vkbert_fetch_source name url sha256)
  # SOURCE_SUBDIR names a directory without a CMakeLists.txt: populate only
  FetchContent_Declare(${name} URL ${url} URL_HASH SHA256=${sha256} SOURCE_SUBDIR vkbert-no-build)
  FetchContent_MakeAvailable(${name})
  FetchContent_GetProperties(${name} SOURCE_DIR dir)
  set(${name}_SOURCE_DIR ${dir} PARENT_SCOPE)
endfunction()

# ---- Vulkan: headers only (the loader is opened at run time) ----
find_package(Vulkan QUIET)
if(NOT TARGET Vulkan::Headers)
  find_path(VKBERT_VULKAN_INCLUDE vulkan/vulkan.h)
  vkbert_require(VKBERT_VULKAN_INCLUDE "Vulkan headers (vulkan/vulkan.h)" libvulkan-dev)
  add_library(Vulkan::Headers INTERFACE IMPORTED)
  set_target_properties(Vulkan::Headers PROPERTIES INTERFACE_INCLUDE_DIRECTORIES ${VKBERT_VULKAN_INCLUDE})
endif()

# ---- host shader tools ----
set(VKBERT_SHADER_COMPILER AUTO CACHE STRING "GLSL to SPIR-V compiler: AUTO, glslangValidator or glslc")
set_property(CACHE VKBERT_SHADER_COMPILER PROPERTY STRINGS AUTO glslangValidator glslc)
set(vkbert_tool_hints)
foreach(ndk "${CMAKE_ANDROID_NDK}" "${ANDROID_NDK}" "$ENV{ANDROID_NDK_HOME}" "$ENV{ANDROID_NDK_ROOT}")
  if(ndk)
    file(GLOB dirs "${ndk}/shader-tools/*")
    list(APPEND vkbert_tool_hints ${dirs})
  endif()
endforeach()
find_program(VKBERT_GLSLANG glslangValidator)
find_program(VKBERT_GLSLC glslc HINTS ${vkbert_tool_hints})
find_program(VKBERT_SPIRV_VAL spirv-val HINTS ${vkbert_tool_hints})
find_program(VKBERT_SPIRV_OPT spirv-opt HINTS ${vkbert_tool_hints})
if(VKBERT_SHADER_COMPILER STREQUAL "glslc" OR (VKBERT_SHADER_COMPILER STREQUAL "AUTO" AND NOT VKBERT_GLSLANG
                                                AND VKBERT_GLSLC))
  vkbert_require(VKBERT_GLSLC "glslc (GLSL to SPIR-V compiler; also in the Android NDK's shader-tools)" glslc)
  set(VKBERT_SHADER_CC glslc)
else()
  vkbert_require(VKBERT_GLSLANG "glslangValidator (GLSL to SPIR-V compiler)" glslang-tools)
  set(VKBERT_SHADER_CC glslangValidator)
endif()
if(CMAKE_CROSSCOMPILING AND (NOT VKBERT_SPIRV_VAL OR NOT VKBERT_SPIRV_OPT))
  message(WARNING "vkbert: spirv-val / spirv-opt not found on this build machine: the SPIR-V is embedded "
                  "unvalidated and unoptimised (install spirv-tools for the same kernels as native builds)")
else()
  vkbert_require(VKBERT_SPIRV_VAL "spirv-val (SPIR-V validator)" spirv-tools)
  vkbert_require(VKBERT_SPIRV_OPT "spirv-opt (SPIR-V optimiser)" spirv-tools)
endif()

# ---- cJSON ----
find_path(VKBERT_CJSON_INCLUDE cjson/cJSON.h)
find_library(VKBERT_CJSON_LIB cjson)
if(VKBERT_CJSON_LIB AND VKBERT_CJSON_INCLUDE AND NOT vkbert_fetch_always)
  add_library(vkbert::cjson UNKNOWN IMPORTED)
  set_target_properties(vkbert::cjson PROPERTIES IMPORTED_LOCATION ${VKBERT_CJSON_LIB}
                        INTERFACE_INCLUDE_DIRECTORIES ${VKBERT_CJSON_INCLUDE})
elseif(vkbert_fetch_missing)
  vkbert_fetch_source(vkbert_cjson ${VKBERT_CJSON_URL} ${VKBERT_CJSON_SHA256})
  # vkbert includes <cjson/cJSON.h>, as installed packages lay it out
  file(COPY ${vkbert_cjson_SOURCE_DIR}/cJSON.h DESTINATION ${CMAKE_BINARY_DIR}/fetched/include/cjson)
  add_library(vkbert_cjson STATIC ${vkbert_cjson_SOURCE_DIR}/cJSON.c)
  target_include_directories(vkbert_cjson PUBLIC ${CMAKE_BINARY_DIR}/fetched/include)
  set_target_properties(vkbert_cjson PROPERTIES POSITION_INDEPENDENT_CODE ON C_VISIBILITY_PRESET hidden)
  add_library(vkbert::cjson ALIAS vkbert_cjson)
  message(STATUS "vkbert: cJSON built from ${vkbert_cjson_SOURCE_DIR} (pinned: ${VKBERT_CJSON_URL})")
else()
  vkbert_require(VKBERT_CJSON_LIB "cJSON (cjson/cJSON.h, libcjson; or -DVKBERT_FETCH_DEPS=ON)" libcjson-dev)
  vkbert_require(VKBERT_CJSON_INCLUDE "cJSON header (cjson/cJSON.h)" libcjson-dev)
endif()

# ---- utf8proc ----
find_path(VKBERT_UTF8PROC_INCLUDE utf8proc.h)
find_library(VKBERT_UTF8PROC_LIB utf8proc)
if(VKBERT_UTF8PROC_LIB AND VKBERT_UTF8PROC_INCLUDE AND NOT vkbert_fetch_always)
  add_library(vkbert::utf8proc UNKNOWN IMPORTED)
  set_target_properties(vkbert::utf8proc PROPERTIES IMPORTED_LOCATION ${VKBERT_UTF8PROC_LIB}
                        INTERFACE_INCLUDE_DIRECTORIES ${VKBERT_UTF8PROC_INCLUDE})
elseif(vkbert_fetch_missing)
  vkbert_fetch_source(vkbert_utf8proc ${VKBERT_UTF8PROC_URL} ${VKBERT_UTF8PROC_SHA256})
  file(COPY ${vkbert_utf8proc_SOURCE_DIR}/utf8proc.h DESTINATION ${CMAKE_BINARY_DIR}/fetched/include)
  add_library(vkbert_utf8proc STATIC ${vkbert_utf8proc_SOURCE_DIR}/utf8proc.c) # includes utf8proc_data.c
  target_include_directories(vkbert_utf8proc PUBLIC ${CMAKE_BINARY_DIR}/fetched/include)
  target_compile_definitions(vkbert_utf8proc PUBLIC UTF8PROC_STATIC)
  set_target_properties(vkbert_utf8proc PROPERTIES POSITION_INDEPENDENT_CODE ON C_VISIBILITY_PRESET hidden)
  add_library(vkbert::utf8proc ALIAS vkbert_utf8proc)
  message(STATUS "vkbert: utf8proc built from ${vkbert_utf8proc_SOURCE_DIR} (pinned: ${VKBERT_UTF8PROC_URL})")
else()
  vkbert_require(VKBERT_UTF8PROC_LIB "utf8proc (utf8proc.h, libutf8proc; or -DVKBERT_FETCH_DEPS=ON)" libutf8proc-dev)
  vkbert_require(VKBERT_UTF8PROC_INCLUDE "utf8proc header (utf8proc.h)" libutf8proc-dev)
endif()
