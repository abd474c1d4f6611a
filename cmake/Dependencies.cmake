# Finds every third-party dependency. Native builds use system packages; a missing one stops
# the configure step with the Debian package that provides it. Where there are no such
# packages (the Android NDK, Windows), VKBERT_FETCH_DEPS fetches the pinned releases below,
# checks their SHA-256 and builds them into the library. The host's shader tools are found
# on the build machine (glslangValidator, or glslc from the NDK's shader-tools).
include(FetchContent)
find_package(PkgConfig QUIET)

set(VKBERT_FETCH_DEPS AUTO CACHE STRING
    "cJSON, utf8proc and Oniguruma: AUTO (installed ones; building for Android or Windows, fetch what is missing), ON (always the pinned releases), OFF (installed only)")
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
set(VKBERT_ONIG_URL https://github.com/kkos/oniguruma/releases/download/v6.9.9/onig-6.9.9.tar.gz)
set(VKBERT_ONIG_SHA256 60162bd3b9fc6f4886d4c7a07925ffd374167732f55dce8c491bfd9cd818a6cf)

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

# ---- Vulkan 1.3 shader tools: the cooperative-matrix kernels ----
# Those kernels (shaders/kernels.cmake, vulkan 1.3) need glslang >= 13.0 and a spirv-val that
# knows SPV_KHR_cooperative_matrix. This machine's tools are probed with a small shader; when
# they cannot, VKBERT_COOPMAT_TOOLS may name a sysroot made by scripts/newer-lavapipe-sysroot.sh
# whose tools (run through its launcher) can. Without either, the kernels are not built and the
# runtime says so (VKB_VULKAN13_MISSING), on every device.
set(VKBERT_COOPMAT_TOOLS "" CACHE PATH
    "sysroot (scripts/newer-lavapipe-sysroot.sh DIR) whose glslang and spirv-tools compile the cooperative-matrix kernels")
if(VKBERT_COOPMAT_TOOLS)
  set(t ${VKBERT_COOPMAT_TOOLS})
  foreach(f run sysroot/usr/bin/glslangValidator sysroot/usr/bin/spirv-val sysroot/usr/bin/spirv-opt)
    if(NOT EXISTS ${t}/${f})
      message(FATAL_ERROR "vkbert: VKBERT_COOPMAT_TOOLS=${t} has no ${f} (make it with scripts/newer-lavapipe-sysroot.sh ${t})")
    endif()
  endforeach()
  set(VKBERT_CC13_KIND glslangValidator)
  set(VKBERT_CC13 ${t}/run ${t}/sysroot/usr/bin/glslangValidator)
  set(VKBERT_VAL13 ${t}/run ${t}/sysroot/usr/bin/spirv-val)
  set(VKBERT_OPT13 ${t}/run ${t}/sysroot/usr/bin/spirv-opt)
else()
  set(VKBERT_CC13_KIND ${VKBERT_SHADER_CC})
  if(VKBERT_SHADER_CC STREQUAL "glslc")
    set(VKBERT_CC13 ${VKBERT_GLSLC})
  else()
    set(VKBERT_CC13 ${VKBERT_GLSLANG})
  endif()
  set(VKBERT_VAL13 ${VKBERT_SPIRV_VAL})
  set(VKBERT_OPT13 ${VKBERT_SPIRV_OPT})
endif()
set(probe_src ${CMAKE_CURRENT_LIST_DIR}/coopmat_probe.comp)
set(probe_spv ${CMAKE_BINARY_DIR}/coopmat_probe.spv)
if(VKBERT_CC13_KIND STREQUAL "glslc")
  set(probe_cc ${VKBERT_CC13} -fshader-stage=compute --target-env=vulkan1.3 -o ${probe_spv} ${probe_src})
else()
  set(probe_cc ${VKBERT_CC13} -V --target-env vulkan1.3 -o ${probe_spv} ${probe_src})
endif()
execute_process(COMMAND ${probe_cc} RESULT_VARIABLE cc_rc OUTPUT_VARIABLE cc_out ERROR_VARIABLE cc_out)
set(val_rc 0)
if(cc_rc EQUAL 0 AND VKBERT_VAL13)
  execute_process(COMMAND ${VKBERT_VAL13} --target-env vulkan1.3 ${probe_spv}
                  RESULT_VARIABLE val_rc OUTPUT_VARIABLE val_out ERROR_VARIABLE val_out)
endif()
list(GET VKBERT_CC13 -1 cc13_name)
get_filename_component(cc13_name ${cc13_name} NAME)
execute_process(COMMAND ${VKBERT_CC13} --version OUTPUT_VARIABLE cc13_out ERROR_QUIET)
if(cc13_out MATCHES "\nglslang ([0-9]+\\.[0-9]+\\.[0-9]+)") # glslc: the glslang it is built on
  set(cc13_version "(glslang ${CMAKE_MATCH_1})")
else()
  string(REGEX MATCH "[0-9]+\\.[0-9]+\\.[0-9]+" cc13_version "${cc13_out}")
endif()
if(cc_rc EQUAL 0 AND val_rc EQUAL 0)
  set(VKBERT_VULKAN13_SHADERS ON)
  set(VKBERT_VULKAN13_MISSING "")
  message(STATUS "vkbert: cooperative-matrix kernels built (Vulkan 1.3 SPIR-V, ${cc13_name} ${cc13_version})")
else()
  set(VKBERT_VULKAN13_SHADERS OFF)
  if(NOT cc_rc EQUAL 0)
    set(VKBERT_VULKAN13_MISSING "${cc13_name} ${cc13_version} cannot compile GL_KHR_cooperative_matrix (glslang 13.0 or newer can)")
  else()
    set(VKBERT_VULKAN13_MISSING "this spirv-val rejects SPV_KHR_cooperative_matrix (spirv-tools 2023.2 or newer accepts it)")
  endif()
  string(APPEND VKBERT_VULKAN13_MISSING "; build with -DVKBERT_COOPMAT_TOOLS=DIR, DIR from scripts/newer-lavapipe-sysroot.sh")
  if(VKBERT_COOPMAT_TOOLS)
    message(FATAL_ERROR "vkbert: the tools in VKBERT_COOPMAT_TOOLS=${VKBERT_COOPMAT_TOOLS} cannot build the "
                        "cooperative-matrix kernels: ${cc_out}${val_out}")
  endif()
  message(STATUS "vkbert: cooperative-matrix kernels not built: ${VKBERT_VULKAN13_MISSING}")
endif()

# A C library: installed (header + library) unless VKBERT_FETCH_DEPS says ON, else, where
# fetching is allowed, its pinned release compiled from `sources` into a static library.
#   target     the vkbert::NAME target to define
#   header     how vkbert includes it (cjson/cJSON.h: copied under that path)
#   lib        the installed library's name
#   pkg        the Debian package
#   ARGN       the release's source files, then optionally DEFINE <compile definition>
function(vkbert_c_library target header lib pkg url sha256)
  cmake_parse_arguments(L "" "DEFINE" "SOURCES" ${ARGN})
  string(TOUPPER ${target} upper)
  find_path(VKBERT_${upper}_INCLUDE ${header})
  find_library(VKBERT_${upper}_LIB ${lib})
  if(VKBERT_${upper}_LIB AND VKBERT_${upper}_INCLUDE AND NOT vkbert_fetch_always)
    add_library(vkbert::${target} UNKNOWN IMPORTED GLOBAL)
    set_target_properties(vkbert::${target} PROPERTIES IMPORTED_LOCATION ${VKBERT_${upper}_LIB}
                          INTERFACE_INCLUDE_DIRECTORIES ${VKBERT_${upper}_INCLUDE})
  elseif(vkbert_fetch_missing)
    vkbert_fetch_source(vkbert_${target} ${url} ${sha256})
    set(src ${vkbert_${target}_SOURCE_DIR})
    get_filename_component(name ${header} NAME)
    get_filename_component(subdir ${header} DIRECTORY)
    file(COPY ${src}/${name} DESTINATION ${CMAKE_BINARY_DIR}/fetched/include/${subdir})
    list(TRANSFORM L_SOURCES PREPEND ${src}/)
    add_library(vkbert_${target} STATIC ${L_SOURCES})
    target_include_directories(vkbert_${target} PUBLIC ${CMAKE_BINARY_DIR}/fetched/include)
    if(L_DEFINE)
      target_compile_definitions(vkbert_${target} PUBLIC ${L_DEFINE})
    endif()
    set_target_properties(vkbert_${target} PROPERTIES POSITION_INDEPENDENT_CODE ON C_VISIBILITY_PRESET hidden)
    add_library(vkbert::${target} ALIAS vkbert_${target})
    message(STATUS "vkbert: ${target} built from ${src} (pinned: ${url})")
  else()
    vkbert_require(VKBERT_${upper}_LIB "${target} (${header}, lib${lib}; or -DVKBERT_FETCH_DEPS=ON)" ${pkg})
    vkbert_require(VKBERT_${upper}_INCLUDE "${target} header (${header})" ${pkg})
  endif()
endfunction()

# cJSON: vkbert includes <cjson/cJSON.h>, as installed packages lay it out
vkbert_c_library(cjson cjson/cJSON.h cjson libcjson-dev ${VKBERT_CJSON_URL} ${VKBERT_CJSON_SHA256}
                 SOURCES cJSON.c)
# utf8proc.c includes utf8proc_data.c
vkbert_c_library(utf8proc utf8proc.h utf8proc libutf8proc-dev ${VKBERT_UTF8PROC_URL} ${VKBERT_UTF8PROC_SHA256}
                 SOURCES utf8proc.c DEFINE UTF8PROC_STATIC)

# Oniguruma: the regex engine of Hugging Face's tokenizers (onig crate), so that tokenizer.json
# patterns (ByteLevel's split, Split) mean what they mean there. Installed: pkg-config or
# libonig + oniguruma.h. Fetched: its own CMake build (it needs a generated config.h), static.
function(vkbert_onig)
  find_path(VKBERT_ONIG_INCLUDE oniguruma.h)
  find_library(VKBERT_ONIG_LIB onig)
  if(VKBERT_ONIG_LIB AND VKBERT_ONIG_INCLUDE AND NOT vkbert_fetch_always)
    if(VKBERT_ONIG_LIB MATCHES "\\.so(\\.[0-9]+)*$" AND NOT APPLE AND NOT ANDROID)
      # A shared libonig exports POSIX regcomp/regexec/regfree/regerror. Linked, it would put
      # them in the process's global scope ahead of the C library's, for every other user
      # (Mesa's driconf parses its drirc with them). So vkbert opens it with RTLD_LOCAL at
      # first use (runtime/src/text/regex.c), by the soname of the library found here.
      get_filename_component(real ${VKBERT_ONIG_LIB} REALPATH)
      string(REGEX MATCH "libonig\\.so\\.[0-9]+" soname "${real}")
      if(NOT soname)
        set(soname libonig.so)
      endif()
      add_library(vkbert::onig INTERFACE IMPORTED GLOBAL)
      set_target_properties(vkbert::onig PROPERTIES INTERFACE_INCLUDE_DIRECTORIES ${VKBERT_ONIG_INCLUDE}
                            INTERFACE_COMPILE_DEFINITIONS "VKBERT_ONIG_DLOPEN;VKBERT_ONIG_SONAME=\"${soname}\"")
      message(STATUS "vkbert: Oniguruma opened at run time as ${soname} (RTLD_LOCAL)")
    else()
      add_library(vkbert::onig UNKNOWN IMPORTED GLOBAL)
      set_target_properties(vkbert::onig PROPERTIES IMPORTED_LOCATION ${VKBERT_ONIG_LIB}
                            INTERFACE_INCLUDE_DIRECTORIES ${VKBERT_ONIG_INCLUDE})
    endif()
  elseif(vkbert_fetch_missing)
    set(BUILD_SHARED_LIBS OFF)
    set(CMAKE_POLICY_DEFAULT_CMP0077 NEW)
    set(ENABLE_POSIX_API OFF)
    set(ENABLE_BINARY_COMPATIBLE_POSIX_API OFF)
    set(BUILD_TEST OFF)
    set(CMAKE_POSITION_INDEPENDENT_CODE ON)
    FetchContent_Declare(vkbert_onig URL ${VKBERT_ONIG_URL} URL_HASH SHA256=${VKBERT_ONIG_SHA256})
    FetchContent_GetProperties(vkbert_onig)
    if(NOT vkbert_onig_POPULATED)
      FetchContent_Populate(vkbert_onig)
      add_subdirectory(${vkbert_onig_SOURCE_DIR} ${vkbert_onig_BINARY_DIR} EXCLUDE_FROM_ALL)
    endif()
    # Oniguruma is GNU C (alloca from <stdlib.h>): not vkbert's strict C11
    set_target_properties(onig PROPERTIES C_STANDARD 99 C_EXTENSIONS ON)
    target_compile_definitions(onig INTERFACE ONIG_STATIC)
    add_library(vkbert::onig ALIAS onig)
    message(STATUS "vkbert: onig built from ${vkbert_onig_SOURCE_DIR} (pinned: ${VKBERT_ONIG_URL})")
  else()
    vkbert_require(VKBERT_ONIG_LIB "Oniguruma (oniguruma.h, libonig; or -DVKBERT_FETCH_DEPS=ON)" libonig-dev)
    vkbert_require(VKBERT_ONIG_INCLUDE "Oniguruma header (oniguruma.h)" libonig-dev)
  endif()
endfunction()
vkbert_onig()
