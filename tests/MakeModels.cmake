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
  # DistilBERT: the same shapes. -nohead is a DistilBertModel checkpoint (no "distilbert." prefix);
  # -odd also stores vocab_projector.weight, a tied copy, as distilbert-base-uncased's checkpoint does
  # (transformers lists it among the unused weights when that checkpoint is loaded into DistilBertModel).
  make(distil-tiny --family distilbert --seed 11)
  make(distil-tiny-nohead --family distilbert --seed 11 --no-head --no-prefix)
  make(distil-tiny-f16 --family distilbert --seed 12 --dtype F16)
  make(distil-tiny-odd --family distilbert --seed 13 --hidden 36 --heads 3 --intermediate 50 --layers 3 --positions 40
       --std 0.1 --with-decoder)
elseif(SET STREQUAL "base")
  make(bert-base-random --seed 7 --shape bert-base)
endif()
