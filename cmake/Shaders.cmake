# The kernels vkbert embeds are listed once, in shaders/kernels.cmake, one vkbert_kernel() line
# each; vkbert_embed_kernels() then compiles each to SPIR-V (glslangValidator or glslc, Vulkan
# 1.1, or 1.3 for the kernels that need it), validates it (spirv-val), optimises it (spirv-opt -O),
# validates the result again and embeds it as a uint32_t array in a generated C file. Nothing
# reads .spv files at run time. A Vulkan 1.3 kernel the shader tools cannot compile
# (VKBERT_VULKAN13_SHADERS off, cmake/Dependencies.cmake) is embedded empty, and the runtime
# says why it is not used (VKB_VULKAN13_MISSING).
# It also writes, in ${CMAKE_CURRENT_BINARY_DIR}/shaders:
#   vkb_spirv.h         extern vkb_spv_<name>[] and vkb_spv_<name>_size, one pair per kernel;
#   vkb_kernels.h       enum { VKB_KERNEL_<NAME>, ..., VKB_KERNEL_COUNT }, in the list's order,
#                       and VKB_VULKAN13_MISSING: why the 1.3 kernels are empty ("" when built);
#   vkb_kernel_table.h  the vkb_kernel_desc of each kernel, for runtime/src/vk/pipeline.c.
# kernels.cmake is include()d, so editing it re-runs the configure step, which rewrites these.

# vkbert_kernel(name source defines bindings push spec texel_mask vulkan): see shaders/kernels.cmake.
function(vkbert_kernel name source defines bindings push spec texel_mask vulkan)
  set(where "shaders/kernels.cmake: vkbert_kernel(${name} ...)")
  if(ARGC GREATER 8)
    message(FATAL_ERROR "${where}: ${ARGC} fields, 8 expected (quote the defines: \"A=1;B=2\", or \"\" for none)")
  endif()
  if(NOT vulkan MATCHES "^1\\.[13]$")
    message(FATAL_ERROR "${where}: vulkan must be 1.1 or 1.3")
  endif()
  if(NOT name MATCHES "^[a-z][a-z0-9_]*$")
    message(FATAL_ERROR "${where}: the name must be a lower-case C identifier")
  endif()
  if(name IN_LIST VKBERT_KERNELS)
    message(FATAL_ERROR "${where}: listed twice")
  endif()
  if(NOT EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/shaders/${source}.comp)
    message(FATAL_ERROR "${where}: no shaders/${source}.comp")
  endif()
  # the limits are VKB_MAX_BINDINGS and VKB_MAX_SPEC in runtime/src/vkb_internal.h
  if(NOT bindings MATCHES "^[1-4]$" OR NOT spec MATCHES "^[0-8]$")
    message(FATAL_ERROR "${where}: bindings must be 1..4 and spec 0..8")
  endif()
  if(NOT push MATCHES "^[a-z][a-z0-9_]*$" OR NOT texel_mask MATCHES "^(0x[0-9a-fA-F]+|[0-9]+)$")
    message(FATAL_ERROR "${where}: push must name a vkb_push_<push> struct and texel_mask be a number")
  endif()
  foreach(field source defines bindings push spec texel_mask vulkan)
    set(vkbert_kernel_${name}_${field} "${${field}}" PARENT_SCOPE)
  endforeach()
  set(VKBERT_KERNELS ${VKBERT_KERNELS} ${name} PARENT_SCOPE)
endfunction()

# shaders/<source>.comp with -D<each define>, for Vulkan `vulkan` -> ${outdir}/<name>_spv.c,
# appended to ${out_var}.
function(vkbert_embed_shader out_var outdir name source define_list vulkan)
  # what the shaders #include: common.glsl and the rest, and vkb_push.h (layouts, workgroup shapes)
  file(GLOB includes ${CMAKE_CURRENT_SOURCE_DIR}/shaders/*.glsl ${CMAKE_CURRENT_SOURCE_DIR}/shaders/*.h)
  set(defines)
  foreach(d ${define_list})
    list(APPEND defines -D${d})
  endforeach()
  set(src ${CMAKE_CURRENT_SOURCE_DIR}/shaders/${source}.comp)
  set(raw ${outdir}/${name}.raw.spv)
  set(opt ${outdir}/${name}.spv)
  set(csrc ${outdir}/${name}_spv.c)
  if(vulkan STREQUAL "1.3" AND NOT VKBERT_VULKAN13_SHADERS)
    # not compiled: an empty array, which the runtime reads as "not built"
    file(WRITE ${csrc}.in "/* ${name}: not built (${VKBERT_VULKAN13_MISSING}) */\n#include <stddef.h>\n#include <stdint.h>\n"
         "const uint32_t vkb_spv_${name}[1] = {0};\nconst size_t vkb_spv_${name}_size = 0;\n")
    configure_file(${csrc}.in ${csrc} COPYONLY)
    set(${out_var} ${${out_var}} ${csrc} PARENT_SCOPE)
    return()
  endif()
  set(env vulkan${vulkan})
  set(cc_kind ${VKBERT_SHADER_CC})
  set(glslang ${VKBERT_GLSLANG})
  set(glslc ${VKBERT_GLSLC})
  set(val ${VKBERT_SPIRV_VAL})
  set(spvopt ${VKBERT_SPIRV_OPT})
  if(vulkan STREQUAL "1.3") # the tools that compile them (possibly a sysroot's, behind its launcher)
    set(cc_kind ${VKBERT_CC13_KIND})
    set(glslang ${VKBERT_CC13})
    set(glslc ${VKBERT_CC13})
    set(val ${VKBERT_VAL13})
    set(spvopt ${VKBERT_OPT13})
  endif()
  if(cc_kind STREQUAL "glslc")
    set(compile ${glslc} -fshader-stage=compute --target-env=${env}
                -I${CMAKE_CURRENT_SOURCE_DIR}/shaders ${defines} -o ${raw} ${src})
  else()
    set(compile ${glslang} -V --target-env ${env} -I${CMAKE_CURRENT_SOURCE_DIR}/shaders ${defines}
                -o ${raw} ${src})
  endif()
  if(val AND spvopt)
    set(check COMMAND ${val} --target-env ${env} ${raw}
              COMMAND ${spvopt} -O --target-env=${env} ${raw} -o ${opt}
              COMMAND ${val} --target-env ${env} ${opt})
  else() # cross builds without spirv-tools on the build machine (a warning said so)
    set(check COMMAND ${CMAKE_COMMAND} -E copy ${raw} ${opt})
  endif()
  add_custom_command(
    OUTPUT ${csrc}
    COMMAND ${compile}
    ${check}
    COMMAND ${CMAKE_COMMAND} -DIN=${opt} -DOUT=${csrc} -DNAME=${name}
            -P ${CMAKE_CURRENT_SOURCE_DIR}/cmake/EmbedSpirv.cmake
    DEPENDS ${src} ${includes} ${CMAKE_CURRENT_SOURCE_DIR}/cmake/EmbedSpirv.cmake
    COMMENT "SPIR-V: ${name}"
    VERBATIM)
  set(${out_var} ${${out_var}} ${csrc} PARENT_SCOPE)
endfunction()

# Writes `content` to `path`, touching it only when it changed (so nothing rebuilds needlessly).
function(vkbert_write_generated path content)
  file(WRITE ${path}.in "${content}")
  configure_file(${path}.in ${path} COPYONLY)
endfunction()

# Every kernel of VKBERT_KERNELS embedded; the generated C sources in ${out_var}.
function(vkbert_embed_kernels out_var)
  set(outdir ${CMAKE_CURRENT_BINARY_DIR}/shaders)
  file(MAKE_DIRECTORY ${outdir})
  set(note "/* generated from shaders/kernels.cmake by cmake/Shaders.cmake: do not edit */\n")
  set(sources)
  set(decls "")
  set(enum "")
  set(table "")
  foreach(name ${VKBERT_KERNELS})
    vkbert_embed_shader(sources ${outdir} ${name} ${vkbert_kernel_${name}_source} "${vkbert_kernel_${name}_defines}"
                        ${vkbert_kernel_${name}_vulkan})
    string(TOUPPER ${name} upper)
    set(v13 false)
    if(vkbert_kernel_${name}_vulkan STREQUAL "1.3")
      set(v13 true)
    endif()
    string(APPEND decls "extern const uint32_t vkb_spv_${name}[];\nextern const size_t vkb_spv_${name}_size;\n")
    string(APPEND enum "    VKB_KERNEL_${upper},\n")
    string(APPEND table
      "    [VKB_KERNEL_${upper}] = {.name = \"${name}\", .code = vkb_spv_${name}, .code_bytes = &vkb_spv_${name}_size,\n"
      "        .bindings = ${vkbert_kernel_${name}_bindings}, .push_bytes = sizeof(vkb_push_${vkbert_kernel_${name}_push}), "
      ".spec_count = ${vkbert_kernel_${name}_spec}, .texel_mask = ${vkbert_kernel_${name}_texel_mask}, "
      ".vulkan13 = ${v13}},\n")
  endforeach()
  vkbert_write_generated(${outdir}/vkb_spirv.h
    "${note}#pragma once\n#include <stddef.h>\n#include <stdint.h>\n${decls}")
  vkbert_write_generated(${outdir}/vkb_kernels.h
    "${note}#pragma once\n\nenum {\n${enum}    VKB_KERNEL_COUNT\n};\n\n\
/* why the Vulkan 1.3 kernels (cooperative matrix) are not built; \"\" when they are */\n\
#define VKB_VULKAN13_MISSING \"${VKBERT_VULKAN13_MISSING}\"\n")
  vkbert_write_generated(${outdir}/vkb_kernel_table.h
    "${note}/* Included once, by runtime/src/vk/pipeline.c, after vkb_internal.h and vkb_spirv.h. */\n\
static const vkb_kernel_desc vkb_kernel_table[VKB_KERNEL_COUNT] = {\n${table}};\n")
  set(${out_var} ${sources} PARENT_SCOPE)
endfunction()
