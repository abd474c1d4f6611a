# cmake -DTOOL=vkbert-make-model -DPYTHON=python3 -DLAYOUT=make_st_layout.py -DVOCAB=vocab.txt
#       -DDATA=tests/data -DOUT=dir -P MakeStModels.cmake
# The embedding, classification and reranking test models (issue 12): tiny random weights
# (hidden 32, 2 layers; the ModernBERT and NomicBERT ones wider) in sentence-transformers and
# *ForSequenceClassification layouts.
# EMULATOR: the cross-compiling emulator command, its words separated by '|'.
string(REPLACE "|" ";" emulator "${EMULATOR}")

# Weights at std 0.2 (vkbert-make-model's default, 0.02, gives a random tiny encoder whose [CLS]
# states differ little between texts: CLS embeddings of different texts had cosine 0.99999 and a
# cross-encoder's scores differed by 1e-6, below what the tests can tell apart). At 0.2 different
# texts are far apart (cosine < 0.9, scores 1e-2 apart) and fp32 still agrees with fp64 to ~1e-6.
function(make name)
  file(REMOVE_RECURSE ${OUT}/${name})
  execute_process(COMMAND ${emulator} ${TOOL} --out ${OUT}/${name} --vocab ${VOCAB} --std 0.2 ${ARGN}
                  RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "vkbert-make-model failed for ${name}")
  endif()
endfunction()

function(layout name)
  execute_process(COMMAND ${PYTHON} ${LAYOUT} ${OUT}/${name} ${ARGN} RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "make_st_layout.py failed for ${name}")
  endif()
endfunction()

file(MAKE_DIRECTORY ${OUT})
# The two hub layouts, from their real files (tests/data/st/): bare BertModel checkpoints (no
# prefix, with the pooler, no MLM head) of 512 positions, so that the files' own max_seq_length
# (256, 512) stands unchanged. MiniLM: mean + Normalize; bge: CLS + Normalize, do_lower_case, and a
# config.json with an id2label of one label but no classifier.
make(st-minilm --seed 21 --no-prefix --no-head --positions 512)
layout(st-minilm --from ${DATA}/st/all-MiniLM-L6-v2)
make(st-bge --seed 22 --no-prefix --no-head --positions 512)
layout(st-bge --from ${DATA}/st/bge-small-en-v1.5)
# Every pooling mode as a model's own, with and without Normalize (the CLI's --pooling and
# --normalize/--no-normalize cover the other combinations on the same weights).
make(st-cls --seed 23 --no-head)  # "bert." prefix kept: a layout does not depend on the names
layout(st-cls --pooling cls --max-seq 48)
make(st-mean --seed 24 --no-head --no-prefix)
layout(st-mean --pooling mean)
make(st-max --seed 25 --no-head --no-prefix)
layout(st-max --pooling max)
make(st-sqrt-norm --seed 26 --no-head --no-prefix)
layout(st-sqrt-norm --pooling mean_sqrt_len --normalize)
make(st-last-norm --seed 27 --no-head --no-prefix)
layout(st-last-norm --pooling lasttoken --normalize)
# Dense modules: Tanh (then Normalize, in 3_Normalize) and Identity (not normalised)
make(st-dense-tanh --seed 28 --no-head --no-prefix)
layout(st-dense-tanh --pooling mean --dense 24:tanh --normalize --seed 5)
make(st-dense-id --seed 29 --no-head --no-prefix)
layout(st-dense-id --pooling max --dense 40:identity --seed 6)
# Prompts: include_prompt false (the prompt's tokens are encoded but not pooled) with a default
# prompt; and prompts that are pooled, with no default (bge's query instruction).
make(st-prompt --seed 30 --no-head --no-prefix)
layout(st-prompt --pooling mean --normalize --no-include-prompt "--prompt=query=query: "
       "--prompt=passage=passage: " --default-prompt query)
make(st-prompt-incl --seed 35 --no-head --no-prefix)
layout(st-prompt-incl --pooling cls --normalize
       "--prompt=query=Represent this sentence for searching relevant passages: ")
# sentence-transformers' do_lower_case over a cased tokenizer: only ST's lowercasing lowercases
make(st-lower --seed 36 --no-head --no-prefix)
layout(st-lower --pooling mean --do-lower-case --tokenizer-cased)
# max_seq_length 16: truncation
make(st-short --seed 37 --no-head --no-prefix)
layout(st-short --pooling mean --normalize --max-seq 16)
# DistilBERT (a DistilBertModel checkpoint) in an ST layout
make(st-distil --family distilbert --seed 38 --no-head --no-prefix)
layout(st-distil --pooling mean --normalize)
# JinaBERT (jina-embeddings-v2's layout: JinaBertModel, mean pooling; ALiBi, the GeGLU MLP)
make(st-jina --family jina_bert --seed 47 --std 0.2 --no-head --no-prefix --heads 4 --layers 3 --intermediate 40)
layout(st-jina --pooling mean)
# NomicBERT (nomic-embed-text v1.5's layout: NomicBertModel, mean pooling + Normalize, its four task
# prompts, pooled, no default; bert-base-uncased's vocab.txt, 30,528 rows): nomic-tiny rotates whole
# heads (rotary_emb_fraction 1.0, base 1000, v1.5's); nomic-tiny-partial half of each 16-wide head
# (8 dimensions rotated, 8 not) and has every Linear's bias (qkv_proj_bias, mlp_fc1_bias, mlp_fc2_bias).
set(nomic_prompts "--prompt=search_query=search_query: " "--prompt=search_document=search_document: "
    "--prompt=classification=classification: " "--prompt=clustering=clustering: ")
make(nomic-tiny --family nomic_bert --seed 81 --hidden 64 --heads 4 --layers 3 --intermediate 96 --positions 2048
     --rotary-fraction 1.0 --rotary-base 1000)
layout(nomic-tiny --pooling mean --normalize ${nomic_prompts})
make(nomic-tiny-partial --family nomic_bert --seed 82 --hidden 64 --heads 4 --layers 2 --intermediate 80
     --rotary-fraction 0.5 --biases)
layout(nomic-tiny-partial --pooling mean --normalize ${nomic_prompts})
# No sentence-transformers files at all: CLS pooling, no Dense, no normalisation
make(st-plain --seed 39 --no-head)
# Sequence classification
make(cls-tiny --seed 31 --classifier 3 --labels negative,neutral,positive)
make(cls-multilabel --seed 32 --no-prefix --classifier 4 --labels toxic,obscene,threat,insult
     --problem-type multi_label_classification)
# A cross-encoder (reranker): one label, BERT with token types
make(xenc-tiny --seed 33 --classifier 1)
make(cls-distil --family distilbert --seed 34 --classifier 2 --labels NEGATIVE,POSITIVE)
# ALBERT (albert.pooler + tanh, classifier; factorised embeddings, gelu_new) and ELECTRA (the
# discriminator's classifier.dense + GELU, classifier.out_proj; embeddings_project), with token types
make(cls-albert --family albert --seed 41 --classifier 3 --labels negative,neutral,positive)
make(cls-electra --family electra --seed 42 --classifier 2 --labels NEGATIVE,POSITIVE)
# RoBERTa (classifier.dense + tanh on <s>, classifier.out_proj; no pooler) with roberta-base's own
# tokenizer.json, and XLM-R with the XLM-R-like Unigram one
make(cls-roberta --family roberta --seed 43 --classifier 3 --labels negative,neutral,positive --positions 66
     --vocab-size 50265)
make(cls-xlmr --family xlm-roberta --seed 44 --classifier 2 --labels NEGATIVE,POSITIVE --positions 66
     --vocab-size 32002)
# JinaBertForSequenceClassification (jina-reranker-v1's class: BERT's pooler and classifier over ALiBi)
make(cls-jina --family jina_bert --seed 48 --std 0.2 --classifier 2 --labels NEGATIVE,POSITIVE --heads 4 --layers 2)
# ModernBertForSequenceClassification (head.dense + GELU + head.norm, then classifier) with
# ModernBERT-base's tokenizer.json: cls-modernbert pools the mean of every token (classifier_pooling
# mean, ModernBERT-base's), over 3 layers (0 global, 1 and 2 local with a window of 16, +-8, which
# the longer test texts outgrow); cls-modernbert-cls pools [CLS] and has every bias.
make(cls-modernbert --family modernbert --seed 45 --classifier 3 --labels negative,neutral,positive --hidden 64
     --heads 4 --layers 3 --intermediate 96 --local-attention 16)
make(cls-modernbert-cls --family modernbert --seed 46 --classifier 2 --labels NEGATIVE,POSITIVE --classifier-pooling cls
     --biases --hidden 64 --heads 4 --layers 3 --intermediate 96 --local-attention 16)
foreach(pair "cls-roberta;roberta-base" "cls-xlmr;unigram-xlmr-like" "cls-modernbert;ModernBERT-base"
        "cls-modernbert-cls;ModernBERT-base")
  list(GET pair 0 name)
  list(GET pair 1 tok)
  file(COPY ${DATA}/tokenizers/${tok}/tokenizer.json DESTINATION ${OUT}/${name})
  if(EXISTS ${DATA}/tokenizers/${tok}/special_tokens_map.json)
    file(COPY ${DATA}/tokenizers/${tok}/special_tokens_map.json DESTINATION ${OUT}/${name})
  endif()
  file(REMOVE ${OUT}/${name}/vocab.txt)
endforeach()
# A classifier whose config.json has no id2label: an error test
make(cls-noid2label --seed 40 --classifier 2 --no-id2label)
