# cmake -DTOOL=vkbert-make-model -DVOCAB=vocab.txt -DOUT=dir -DSET=tiny|base -P MakeModels.cmake
# Generates the random-weight models the tests use (nothing large is committed).
# EMULATOR: the cross-compiling emulator command, its words separated by '|' (arm64 check).
string(REPLACE "|" ";" emulator "${EMULATOR}")

function(make name)
  execute_process(COMMAND ${emulator} ${TOOL} --out ${OUT}/${name} --vocab ${VOCAB} ${ARGN} RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "vkbert-make-model failed for ${name}")
  endif()
endfunction()

file(MAKE_DIRECTORY ${OUT})
if(SET STREQUAL "tiny")
  make(tiny --seed 1)
  make(tiny-variant --seed 1 --no-prefix --gamma-beta --with-decoder --extra)
  make(tiny-nohead --seed 1 --no-head)
  make(tiny-f16 --seed 2 --dtype F16)
  make(tiny-bf16 --seed 3 --dtype BF16)
  make(tiny-untied --seed 5 --untied)
  make(tiny-odd --seed 4 --hidden 36 --heads 3 --intermediate 50 --layers 3 --positions 40 --types 3 --std 0.1)
elseif(SET STREQUAL "base")
  make(bert-base-random --seed 7 --shape bert-base)
endif()
