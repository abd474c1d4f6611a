# cmake -DROOT=dir -DFILES="a.html|b.js" -DOUT=x.c -P EmbedFiles.cmake
# Embeds files of ROOT as byte arrays in one C file, with a table of them by URL path ("/a.html"):
#   struct vkb_page_blob { const char *path; const unsigned char *data; size_t size; };
#   extern const struct vkb_page_blob vkb_page_blobs[]; extern const size_t vkb_page_blob_count;
# (apps/serve/page.c reads it). Each array ends in a 0 byte that `size` does not count, so that an
# empty file is still a valid C array.
if(NOT ROOT OR NOT FILES OR NOT OUT)
  message(FATAL_ERROR "EmbedFiles.cmake needs -DROOT=, -DFILES= and -DOUT=")
endif()
string(REPLACE "|" ";" files "${FILES}")
set(body "/* generated from ${ROOT} by cmake/EmbedFiles.cmake: do not edit */\n#include <stddef.h>\n\n")
set(table "")
string(REPEAT "0x[0-9a-f][0-9a-f]," 16 row) # CMake's regexes have no {n}
set(i 0)
foreach(f ${files})
  if(NOT f MATCHES "^[A-Za-z0-9_-]+(\\.[A-Za-z0-9]+)+$")
    message(FATAL_ERROR "EmbedFiles.cmake: \"${f}\": a page file is a plain name (letters, digits, _ - .)")
  endif()
  file(READ ${ROOT}/${f} hex HEX)
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
  string(REGEX REPLACE "(${row})" "\\1\n" bytes "${bytes}")
  string(APPEND body "/* ${f} */\nstatic const unsigned char f${i}[] = {\n${bytes}0};\n\n")
  string(APPEND table "    {\"/${f}\", f${i}, sizeof f${i} - 1},\n")
  math(EXPR i "${i} + 1")
endforeach()
string(APPEND body "struct vkb_page_blob {\n    const char *path;\n    const unsigned char *data;\n    size_t size;\n};\n"
       "extern const struct vkb_page_blob vkb_page_blobs[];\nextern const size_t vkb_page_blob_count;\n"
       "const struct vkb_page_blob vkb_page_blobs[] = {\n${table}};\n"
       "const size_t vkb_page_blob_count = sizeof vkb_page_blobs / sizeof *vkb_page_blobs;\n")
file(WRITE ${OUT} "${body}")
