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
  # RoBERTa and its kin (issue 15): roberta-base's config keys, pad_token_id 1, so 66 positions
  # hold 64 tokens. -odd stores lm_head.decoder.weight (a tied copy); -nohead is a RobertaModel
  # checkpoint without the prefix; xlmr-tiny has XLM-R's 250,002-token vocabulary (its word
  # embeddings and logits rows split at 8 MiB bindings); their vocab.txt is BERT's WordPiece one.
  make(roberta-tiny --family roberta --seed 21 --positions 66)
  make(roberta-tiny-odd --family roberta --seed 22 --hidden 36 --heads 3 --intermediate 50 --layers 3 --positions 42
       --std 0.1 --with-decoder)
  make(roberta-tiny-nohead --family roberta --seed 21 --no-head --no-prefix --positions 66)
  # ALBERT and ELECTRA (issue 15): factorised embeddings (albert-base-v2's and
  # electra-small-generator's config keys), BERT's vocab.txt (ALBERT's own tokenizer is SentencePiece).
  # Weights at std 0.2, so that the FFN's pre-activations are O(1) and gelu_new (ALBERT's tanh
  # GELU) differs measurably from the exact GELU. albert-tiny and electra-tiny have 100,000 rows of
  # 24-wide embeddings (9.6 MB: parts at 8 MiB bindings); -odd: widths that are no multiple of 4
  # (the storage kernels) and a stored tied decoder; -nohead: AlbertModel / ElectraModel without the
  # prefix (ALBERT's with its pooler); electra-tiny-same: embedding_size = hidden_size, so no
  # embeddings_project (electra-base's layout); electra-tiny-untied: its own generator_lm_head.weight.
  make(albert-tiny --family albert --seed 41 --std 0.2 --vocab-size 100000 --embedding-size 24)
  make(albert-tiny-odd --family albert --seed 42 --hidden 36 --heads 3 --intermediate 50 --layers 3 --positions 40
       --std 0.2 --embedding-size 18 --with-decoder)
  make(albert-tiny-nohead --family albert --seed 41 --std 0.2 --vocab-size 100000 --embedding-size 24 --no-head
       --no-prefix)
  make(electra-tiny --family electra --seed 51 --std 0.2 --vocab-size 100000 --embedding-size 24)
  make(electra-tiny-odd --family electra --seed 52 --hidden 36 --heads 3 --intermediate 50 --layers 3 --positions 40
       --std 0.2 --embedding-size 18 --with-decoder)
  make(electra-tiny-nohead --family electra --seed 51 --std 0.2 --vocab-size 100000 --embedding-size 24 --no-head
       --no-prefix)
  make(electra-tiny-same --family electra --seed 53 --std 0.2 --embedding-size 32)
  make(electra-tiny-untied --family electra --seed 54 --std 0.2 --untied)
  # embeddings wider than hidden_size (ElectraModel projects them down; at most 3 x hidden_size in vkbert)
  make(electra-tiny-wide --family electra --seed 55 --std 0.2 --embedding-size 72)
  # hidden_act gelu_new in the other families (std 0.2, as above): BERT's and DistilBERT's MLM
  # transforms follow it, RoBERTa's and ELECTRA's generator heads keep the exact GELU; albert-tiny-gelu
  # is ALBERT v1's hidden_act gelu.
  make(tiny-gelu-new --seed 61 --std 0.2 --hidden-act gelu_new)
  make(distil-tiny-gelu-new --family distilbert --seed 62 --std 0.2 --hidden-act gelu_new)
  make(roberta-tiny-gelu-new --family roberta --seed 63 --std 0.2 --positions 66 --hidden-act gelu_new)
  make(electra-tiny-gelu-new --family electra --seed 64 --std 0.2 --hidden-act gelu_new)
  make(albert-tiny-gelu --family albert --seed 65 --std 0.2 --hidden-act gelu)
  # ModernBERT (issue 19): ModernBERT-base's config keys, no biases, 50,368 rows (its tokenizer.json's),
  # 8192 positions (rotary: nothing is stored per position); std 0.2 so that the attention scores and
  # GeGLU inputs are O(1). modernbert-tiny: 4 layers, so global (0, 3) and local (1, 2) layers both
  # run, the first and the last global; a window of 16 (+-8), which the tests' texts outgrow.
  # -bias: every *_bias true and written, head width 12 (not a multiple of 8), 3 layers, a window of
  # 8; -nohead: ModernBertModel (no "model." prefix) with modernbert-tiny's weights; -long: the
  # window of ModernBERT-base (128), for tests/long_e2e.py's 127 to 8192 tokens, without the MLM head
  # (PyTorch's logits of 8192 tokens are 1.6 GB and most of that test's time).
  make(modernbert-tiny --family modernbert --seed 71 --std 0.2 --hidden 64 --heads 4 --intermediate 96 --layers 4
       --local-attention 16 --positions 8192)
  make(modernbert-tiny-bias --family modernbert --seed 72 --std 0.2 --biases --hidden 36 --heads 3 --intermediate 50
       --layers 3 --local-attention 8)
  make(modernbert-tiny-nohead --family modernbert --seed 71 --std 0.2 --hidden 64 --heads 4 --intermediate 96
       --layers 4 --local-attention 16 --positions 8192 --no-head)
  make(modernbert-tiny-long --family modernbert --seed 73 --std 0.2 --hidden 64 --heads 4 --intermediate 96
       --layers 4 --local-attention 128 --no-head)
  # JinaBERT v2 (jina-embeddings-v2's layout: BERT's keys with position_embedding_type alibi, the GeGLU
  # MLP, bert-base-uncased's vocab.txt, 8192 positions, no position embeddings); std 0.2 as above.
  # jina-tiny: JinaBertForMaskedLM, 4 heads (ALiBi slopes 2^-2, 2^-4, 2^-6, 2^-8); -odd: 6 heads of
  # 8 (not a power of two: the slopes of 4 heads, then two of 8's) and an odd intermediate size;
  # -nohead: JinaBertModel; -long: for tests/long_e2e.py's 1000 and 2048 tokens.
  make(jina-tiny --family jina_bert --seed 91 --std 0.2 --hidden 32 --heads 4 --intermediate 40 --layers 3)
  make(jina-tiny-odd --family jina_bert --seed 92 --std 0.2 --hidden 48 --heads 6 --intermediate 37 --layers 2)
  make(jina-tiny-nohead --family jina_bert --seed 91 --std 0.2 --hidden 32 --heads 4 --intermediate 40 --layers 3
       --no-head)
  make(jina-tiny-long --family jina_bert --seed 93 --std 0.2 --hidden 64 --heads 8 --intermediate 96 --layers 2
       --no-head)
  get_filename_component(data ${VOCAB} DIRECTORY)
  make(camembert-tiny --family camembert --seed 23 --positions 66 --vocab-size 32005)
  make(xlmr-tiny --family xlm-roberta --seed 24 --positions 66 --vocab-size 250002)
  # their own tokenizers, in place of the stand-in vocab.txt: roberta-base's byte-level BPE
  # tokenizer.json (50,265 tokens); for XLM-R and CamemBERT the XLM-R-like Unigram one derived
  # from T5's (tests/data/tokenizers/README.md; <pad> is 1, as the configs' pad_token_id)
  make(roberta-tiny-bpe --family roberta --seed 26 --positions 66 --vocab-size 50265)
  # ALBERT with an ALBERT-like Unigram tokenizer.json (ALBERT's layout and normalizer over T5's pieces)
  make(albert-tiny-spm --family albert --seed 46 --std 0.2 --vocab-size 32005 --embedding-size 24)
  # the ModernBERT models: ModernBERT-base's tokenizer.json and special_tokens_map.json
  foreach(pair "roberta-tiny-bpe;roberta-base" "xlmr-tiny;unigram-xlmr-like" "camembert-tiny;unigram-xlmr-like"
          "albert-tiny-spm;unigram-albert-like" "modernbert-tiny;ModernBERT-base" "modernbert-tiny-bias;ModernBERT-base"
          "modernbert-tiny-nohead;ModernBERT-base" "modernbert-tiny-long;ModernBERT-base")
    list(GET pair 0 name)
    list(GET pair 1 tok)
    file(COPY ${data}/tokenizers/${tok}/tokenizer.json DESTINATION ${OUT}/${name})
    if(EXISTS ${data}/tokenizers/${tok}/special_tokens_map.json)
      file(COPY ${data}/tokenizers/${tok}/special_tokens_map.json DESTINATION ${OUT}/${name})
    endif()
    file(REMOVE ${OUT}/${name}/vocab.txt)
  endforeach()
  # multilingual BERT: BERT with bert-base-multilingual-cased's own 119,547-entry vocab.txt, cased
  make(mbert-tiny --seed 25 --vocab ${data}/bert-base-multilingual-cased-vocab.txt --cased)
  # token classification and question answering (issue 17): ner-tiny is BertForTokenClassification
  # with bert-base-NER's nine CoNLL labels over multilingual BERT's cased vocab.txt, ner-uncased the
  # same over bert-base-uncased's (group words come back lower-cased), ner-distil
  # DistilBertForTokenClassification; qa-tiny is BertForQuestionAnswering (uncased), qa-distil
  # DistilBertForQuestionAnswering with distilbert-base-cased-distilled-squad's config keys over the
  # cased vocab. Weights at std 0.3 so that the heads' scores spread over the labels and positions.
  set(ner_labels O,B-MISC,I-MISC,B-PER,I-PER,B-ORG,I-ORG,B-LOC,I-LOC)
  make(ner-tiny --seed 71 --std 0.3 --head tokcls --classifier 9 --labels ${ner_labels} --cased
       --vocab ${data}/bert-base-multilingual-cased-vocab.txt)
  make(ner-uncased --seed 72 --std 0.3 --head tokcls --classifier 9 --labels ${ner_labels})
  make(ner-distil --family distilbert --seed 73 --std 0.3 --head tokcls --classifier 9 --labels ${ner_labels}
       --cased --vocab ${data}/bert-base-multilingual-cased-vocab.txt)
  make(qa-tiny --seed 74 --std 0.3 --head qa)
  make(qa-distil --family distilbert --seed 75 --std 0.3 --head qa --cased
       --vocab ${data}/bert-base-multilingual-cased-vocab.txt)
  # ModernBertForTokenClassification and -ForQuestionAnswering (head.dense + GELU + head.norm on every
  # token, then classifier or qa_outputs) with ModernBERT-base's byte-level BPE tokenizer.json: no
  # "##" subword prefix, so the pipelines' word rule is the space-before one; 3 layers, a window of 16
  make(ner-modernbert --family modernbert --seed 76 --std 0.3 --hidden 64 --heads 4 --layers 3 --intermediate 96
       --local-attention 16 --head tokcls --classifier 9 --labels ${ner_labels})
  make(qa-modernbert --family modernbert --seed 77 --std 0.3 --hidden 64 --heads 4 --layers 3 --intermediate 96
       --local-attention 16 --head qa)
  foreach(name ner-modernbert qa-modernbert)
    file(COPY ${data}/tokenizers/ModernBERT-base/tokenizer.json ${data}/tokenizers/ModernBERT-base/special_tokens_map.json
         DESTINATION ${OUT}/${name})
    file(REMOVE ${OUT}/${name}/vocab.txt)
  endforeach()
elseif(SET STREQUAL "base")
  make(bert-base-random --seed 7 --shape bert-base)
endif()
