# cmake -DIN=x.spv -DOUT=x.c -DNAME=x -P EmbedSpirv.cmake
file(READ ${IN} hex HEX)
string(LENGTH "${hex}" n)
math(EXPR rem "${n} % 8")
if(NOT rem EQUAL 0 OR n EQUAL 0)
  message(FATAL_ERROR "${IN}: not a whole number of 32-bit words")
endif()
# SPIR-V is written little-endian by glslang/spirv-opt; turn each 4 bytes into one word.
string(REGEX REPLACE "([0-9a-f][0-9a-f])([0-9a-f][0-9a-f])([0-9a-f][0-9a-f])([0-9a-f][0-9a-f])"
       "0x\\4\\3\\2\\1u," words "${hex}")
string(REGEX REPLACE "((0x[0-9a-f]+u,){8})" "\\1\n" words "${words}")
math(EXPR nwords "${n} / 8")
file(WRITE ${OUT} "/* generated from ${NAME}.comp by cmake/Shaders.cmake: do not edit */\n"
     "#include <stddef.h>\n#include <stdint.h>\n"
     "const uint32_t vkb_spv_${NAME}[${nwords}] = {\n${words}\n};\n"
     "const size_t vkb_spv_${NAME}_size = sizeof vkb_spv_${NAME};\n")
