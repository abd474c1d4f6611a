# Finds every third-party dependency as a system package; a missing one stops the
# configure step with the Debian package that provides it.
find_package(PkgConfig QUIET)

macro(vkbert_require cond what pkg)
  if(NOT ${cond})
    message(FATAL_ERROR "vkbert: ${what} not found. On Debian/Ubuntu install it with:\n"
                        "    apt-get install ${pkg}")
  endif()
endmacro()

find_package(Vulkan QUIET)
vkbert_require(Vulkan_FOUND "Vulkan headers and loader (vulkan/vulkan.h, libvulkan)" libvulkan-dev)

find_program(VKBERT_GLSLANG glslangValidator)
vkbert_require(VKBERT_GLSLANG "glslangValidator (GLSL to SPIR-V compiler)" glslang-tools)
find_program(VKBERT_SPIRV_VAL spirv-val)
vkbert_require(VKBERT_SPIRV_VAL "spirv-val (SPIR-V validator)" spirv-tools)
find_program(VKBERT_SPIRV_OPT spirv-opt)
vkbert_require(VKBERT_SPIRV_OPT "spirv-opt (SPIR-V optimiser)" spirv-tools)

find_path(VKBERT_CJSON_INCLUDE cjson/cJSON.h)
find_library(VKBERT_CJSON_LIB cjson)
vkbert_require(VKBERT_CJSON_LIB "cJSON (cjson/cJSON.h, libcjson)" libcjson-dev)
vkbert_require(VKBERT_CJSON_INCLUDE "cJSON header (cjson/cJSON.h)" libcjson-dev)
add_library(vkbert::cjson UNKNOWN IMPORTED)
set_target_properties(vkbert::cjson PROPERTIES IMPORTED_LOCATION ${VKBERT_CJSON_LIB}
                      INTERFACE_INCLUDE_DIRECTORIES ${VKBERT_CJSON_INCLUDE})

find_path(VKBERT_UTF8PROC_INCLUDE utf8proc.h)
find_library(VKBERT_UTF8PROC_LIB utf8proc)
vkbert_require(VKBERT_UTF8PROC_LIB "utf8proc (utf8proc.h, libutf8proc)" libutf8proc-dev)
vkbert_require(VKBERT_UTF8PROC_INCLUDE "utf8proc header (utf8proc.h)" libutf8proc-dev)
add_library(vkbert::utf8proc UNKNOWN IMPORTED)
set_target_properties(vkbert::utf8proc PROPERTIES IMPORTED_LOCATION ${VKBERT_UTF8PROC_LIB}
                      INTERFACE_INCLUDE_DIRECTORIES ${VKBERT_UTF8PROC_INCLUDE})

if(VKBERT_BUILD_APPS)
  find_path(VKBERT_STB_INCLUDE stb_image_write.h PATH_SUFFIXES stb)
  vkbert_require(VKBERT_STB_INCLUDE "stb (stb_image_write.h)" libstb-dev)
endif()
