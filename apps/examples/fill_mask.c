/* The C API example from README.md: fill-mask on one text. Built and run by the tests. */
#include <stdio.h>
#include <vkbert.h>

int main(int argc, char **argv) {
    const char *dir = argc > 1 ? argv[1] : "models/bert-base-uncased";
    vkbert_context *ctx = NULL;
    vkbert_model *model = NULL;
    vkbert_session *s = NULL;
    int32_t ids[512], types[512];
    size_t n = 0;
    vkbert_status st = vkbert_context_create(&(vkbert_context_desc){0}, &ctx);
    if (!st) st = vkbert_model_load(ctx, &(vkbert_model_desc){.path = dir}, &model);
    const vkbert_tokenizer *tok = model ? vkbert_model_tokenizer(model) : NULL;
    if (!st) st = vkbert_tokenizer_encode(tok, "The capital of France is [MASK].", NULL, ids, types, 512, &n);
    if (!st) st = vkbert_session_create(model, &(vkbert_session_desc){.max_seq = (uint32_t)n, .top_k = 5}, &s);
    vkbert_sequence seq = {.input_ids = ids, .token_type_ids = types, .length = (uint32_t)n};
    if (!st) st = vkbert_session_encode(s, &seq, 1);
    vkbert_prediction top[5];
    if (!st) st = vkbert_session_read_topk(s, 0, top, 5, NULL);  /* row 0: the first [MASK] */
    if (st) fprintf(stderr, "error: %s\n", vkbert_last_error());
    else
        for (int i = 0; i < 5; ++i) printf("%-10s %.3f\n", vkbert_tokenizer_token(tok, top[i].id), top[i].probability);
    vkbert_session_destroy(s);
    vkbert_model_destroy(model);
    vkbert_context_destroy(ctx);
    return st ? 1 : 0;
}
