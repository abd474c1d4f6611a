/* safetensors and config.json parsing on hostile input generated here, each case
 * asserting its specific error. No GPU needed. */
#include "test_util.h"
#include "vkb_internal.h"

#include <stdint.h>

static char g_dir[4096];

/* Writes [u64 header length][header][data_bytes zero bytes] (or a raw length if len8 != -1). */
static const char *write_st(const char *name, const char *header, size_t data_bytes, long long len8) {
    static char path[4200];
    snprintf(path, sizeof path, "%s/%s.safetensors", g_dir, name);
    FILE *f = fopen(path, "wb");
    uint64_t n = len8 >= 0 ? (uint64_t)len8 : strlen(header);
    if (len8 == -2) n = UINT64_MAX;
    unsigned char b[8];
    for (int i = 0; i < 8; ++i) b[i] = (unsigned char)(n >> (8 * i));
    fwrite(b, 1, 8, f);
    fwrite(header, 1, strlen(header), f);
    for (size_t i = 0; i < data_bytes; ++i) fputc(0, f);
    fclose(f);
    return path;
}

static void expect_fail(const char *name, const char *header, size_t data, long long len8, vkbert_status want,
                        const char *fragment) {
    vkb_safetensors st;
    vkbert_status s = vkb_safetensors_open(NULL, write_st(name, header, data, len8), &st);
    CHECK_ERROR(s, want, fragment);
    if (s == VKBERT_OK) vkb_safetensors_close(&st);
}

#define T1(off0, off1) "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[" #off0 "," #off1 "]}}"

static void hostile_files(void) {
    /* shorter than 8 bytes */
    char path[4200];
    snprintf(path, sizeof path, "%s/short.safetensors", g_dir);
    FILE *f = fopen(path, "wb");
    fwrite("abcd", 1, 4, f);
    fclose(f);
    vkb_safetensors st;
    CHECK_ERROR(vkb_safetensors_open(NULL, path, &st), VKBERT_ERROR_MODEL_FORMAT, "too short");
    CHECK_ERROR(vkb_safetensors_open(NULL, "/nonexistent/x.safetensors", &st), VKBERT_ERROR_IO, "cannot open");

    expect_fail("len_huge", "{}", 0, -2, VKBERT_ERROR_MODEL_FORMAT, "over the");
    expect_fail("len_200mb", "{}", 0, 200ll << 20, VKBERT_ERROR_MODEL_FORMAT, "over the");
    expect_fail("len_past_end", "{}", 0, 1000, VKBERT_ERROR_MODEL_FORMAT, "runs past the end");
    expect_fail("not_utf8", "{\"\xff\":1}", 0, -1, VKBERT_ERROR_MODEL_FORMAT, "not valid UTF-8");
    expect_fail("not_object", "[1, 2]", 0, -1, VKBERT_ERROR_MODEL_FORMAT, "does not start with '{'");
    expect_fail("bad_json", "{\"a\": {\"dtype\": ", 0, -1, VKBERT_ERROR_MODEL_FORMAT, "invalid JSON");
    char *deep = malloc(200002 + 1);
    deep[0] = '{';
    deep[1] = '\0';
    strcat(deep, "\"a\":");
    size_t l = strlen(deep);
    for (int i = 0; i < 100000; ++i) deep[l++] = '[';
    for (int i = 0; i < 100000 - 10; ++i) deep[l++] = ']';
    deep[l] = '\0';
    expect_fail("deep", deep, 0, -1, VKBERT_ERROR_MODEL_FORMAT, "nested deeper");
    free(deep);
    expect_fail("dup", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                       "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}",
                8, -1, VKBERT_ERROR_MODEL_FORMAT, "duplicate JSON key \"a\"");
    expect_fail("meta", "{\"__metadata__\":{\"format\":1}}", 0, -1, VKBERT_ERROR_MODEL_FORMAT, "is not a string");
    expect_fail("neg_off", T1(-8, 0), 8, -1, VKBERT_ERROR_MODEL_FORMAT, "non-negative integers");
    expect_fail("frac_off", T1(0.5, 8), 8, -1, VKBERT_ERROR_MODEL_FORMAT, "non-negative integers");
    expect_fail("str_off", T1("0", 8), 8, -1, VKBERT_ERROR_MODEL_FORMAT, "non-negative integers");
    expect_fail("reversed", T1(8, 0), 8, -1, VKBERT_ERROR_MODEL_FORMAT, "reversed");
    expect_fail("not_at_0", T1(4, 12), 12, -1, VKBERT_ERROR_MODEL_FORMAT, "hole");
    expect_fail("trailing", T1(0, 8), 9, -1, VKBERT_ERROR_MODEL_FORMAT, "trailing bytes");
    expect_fail("missing", T1(0, 8), 5, -1, VKBERT_ERROR_MODEL_FORMAT, "truncated");
    expect_fail("size_mismatch", T1(0, 12), 12, -1, VKBERT_ERROR_MODEL_FORMAT, "span 12 bytes");
    expect_fail("overlap", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                           "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}",
                12, -1, VKBERT_ERROR_MODEL_FORMAT, "overlaps");
    expect_fail("hole", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                        "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}",
                12, -1, VKBERT_ERROR_MODEL_FORMAT, "hole");
    expect_fail("overflow", "{\"a\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296,4],\"data_offsets\":[0,8]}}",
                8, -1, VKBERT_ERROR_MODEL_FORMAT, "overflows");
    expect_fail("neg_dim", "{\"a\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", 8, -1,
                VKBERT_ERROR_MODEL_FORMAT, "shape[0] is not a non-negative integer");
    expect_fail("dtype", "{\"a\":{\"dtype\":\"Q4\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8, -1,
                VKBERT_ERROR_MODEL_FORMAT, "unknown dtype");
    expect_fail("no_fields", "{\"a\":{\"dtype\":\"F32\"}}", 0, -1, VKBERT_ERROR_MODEL_FORMAT, "needs a string");

    /* valid: rank 0, zero-size, F16 and BF16 values */
    const char *ok = "{\"s\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4]},"
                     "\"z\":{\"dtype\":\"F32\",\"shape\":[3,0],\"data_offsets\":[4,4]},"
                     "\"h\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[4,8]},"
                     "\"b\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[8,12]},"
                     "\"__metadata__\":{\"format\":\"pt\"}}  ";
    const char *p = write_st("ok", ok, 0, -1);
    f = fopen(p, "ab");
    float one = 1.5f;
    fwrite(&one, 4, 1, f);
    unsigned char h[4] = {0x00, 0x3C, 0x00, 0xC0};  /* F16 1.0, -2.0 */
    unsigned char b[4] = {0x80, 0x3F, 0x40, 0xC0};  /* BF16 1.0, -3.0 */
    fwrite(h, 1, 4, f);
    fwrite(b, 1, 4, f);
    fclose(f);
    vkbert_status s = vkb_safetensors_open(NULL, p, &st);
    CHECK(s == VKBERT_OK, "valid file refused: %s", vkbert_last_error());
    if (s == VKBERT_OK) {
        CHECK(st.count == 4, "count %u", st.count);
        const vkb_tensor_info *t = vkb_safetensors_find(&st, "s");
        float v[2] = {0};
        CHECK(t && t->rank == 0 && t->count == 1, "rank-0 tensor");
        CHECK(t && vkb_safetensors_read_f32(NULL, &st, t, v) == 0 && v[0] == 1.5f, "F32 value %g", v[0]);
        t = vkb_safetensors_find(&st, "z");
        CHECK(t && t->count == 0, "zero-size tensor");
        t = vkb_safetensors_find(&st, "h");
        CHECK(t && vkb_safetensors_read_f32(NULL, &st, t, v) == 0 && v[0] == 1.0f && v[1] == -2.0f, "F16 %g %g", v[0], v[1]);
        t = vkb_safetensors_find(&st, "b");
        CHECK(t && vkb_safetensors_read_f32(NULL, &st, t, v) == 0 && v[0] == 1.0f && v[1] == -3.0f, "BF16 %g %g", v[0], v[1]);
        vkb_safetensors_close(&st);
    }
}

/* A file that shrinks after its header was read: reading a tensor is an I/O error. */
static void shrinking_file(void) {
    const char *p = write_st("shrink", T1(0, 8), 8, -1);
    vkb_safetensors st;
    CHECK(vkb_safetensors_open(NULL, p, &st) == VKBERT_OK, "%s", vkbert_last_error());
    char *bytes = NULL; /* rewritten with its first 10 bytes (as portable as a truncate) */
    size_t bytes_n = 0;
    CHECK(vkb_read_file(p, 1 << 20, &bytes, &bytes_n) == VKBERT_OK && bytes_n > 10, "%s", vkbert_last_error());
    FILE *f = fopen(p, "wb");
    CHECK(f && bytes && fwrite(bytes, 1, 10, f) == 10, "truncate");
    if (f) fclose(f);
    vkb_free(bytes);
    float v[2];
    CHECK_ERROR(vkb_safetensors_read_f32(NULL, &st, &st.tensors[0], v), VKBERT_ERROR_IO, "file ended inside tensor");
    vkb_safetensors_close(&st);
    /* the same checks on a memory buffer */
    const char *hdr = T1(0, 12);
    unsigned char buf[8 + 64 + 12] = {0};
    size_t n = strlen(hdr);
    buf[0] = (unsigned char)n;
    memcpy(buf + 8, hdr, n);
    CHECK_ERROR(vkb_safetensors_open_memory(NULL, "buffer", buf, 8 + n + 12, &st), VKBERT_ERROR_MODEL_FORMAT,
                "buffer: tensor \"a\" is 2 elements");
    CHECK_ERROR(vkb_safetensors_open_memory(NULL, "buffer", buf, 5, &st), VKBERT_ERROR_MODEL_FORMAT, "too short");
}

static void half_conversions(void) {
    const float vals[] = {0.0f, 1.0f, -2.5f, 65504.0f, 6.1035156e-05f, 5.9604645e-08f, 0.333251953125f};
    for (size_t i = 0; i < sizeof vals / sizeof vals[0]; ++i)
        CHECK(vkb_half_to_float(vkb_float_to_half(vals[i])) == vals[i], "half round trip of %g", vals[i]);
}

static void config_cases(void) {
    vkbert_model_config c;
    const char *base = "{\"vocab_size\":100,\"hidden_size\":%s,\"num_hidden_layers\":1,\"num_attention_heads\":%s,"
                       "\"intermediate_size\":8,\"max_position_embeddings\":16%s}";
    char json[512];
    snprintf(json, sizeof json, base, "8", "2", "");
    CHECK(vkb_config_parse(NULL, json, strlen(json), "cfg", &c) == 0 && c.hidden_size == 8 && c.type_vocab_size == 2 &&
              c.layer_norm_eps == 1e-12f, "valid config: %s", vkbert_last_error());
    struct { const char *h, *heads, *extra; vkbert_status st; const char *frag; } cases[] = {
        {"0", "2", "", VKBERT_ERROR_MODEL_FORMAT, "\"hidden_size\" must be an integer"},
        {"-8", "2", "", VKBERT_ERROR_MODEL_FORMAT, "\"hidden_size\" must be an integer"},
        {"1e12", "2", "", VKBERT_ERROR_MODEL_FORMAT, "\"hidden_size\" must be an integer"},
        {"8.5", "2", "", VKBERT_ERROR_MODEL_FORMAT, "\"hidden_size\" must be an integer"},
        {"\"8\"", "2", "", VKBERT_ERROR_MODEL_FORMAT, "\"hidden_size\" must be an integer"},
        {"8", "3", "", VKBERT_ERROR_MODEL_FORMAT, "not divisible"},
        {"8", "0", "", VKBERT_ERROR_MODEL_FORMAT, "num_attention_heads"},
        {"8", "2", ",\"hidden_act\":\"relu\"", VKBERT_ERROR_UNSUPPORTED, "hidden_act relu"},
        {"8", "2", ",\"layer_norm_eps\":-1", VKBERT_ERROR_MODEL_FORMAT, "layer_norm_eps"},
        {"8", "2", ",\"vocab_size\":5", VKBERT_ERROR_MODEL_FORMAT, "duplicate JSON key \"vocab_size\""},
        {"8", "2", ",\"type_vocab_size\":0", VKBERT_ERROR_MODEL_FORMAT, "type_vocab_size"},
        {"8", "2", "}", VKBERT_ERROR_MODEL_FORMAT, "unexpected data"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; ++i) {
        snprintf(json, sizeof json, base, cases[i].h, cases[i].heads, cases[i].extra);
        CHECK_ERROR(vkb_config_parse(NULL, json, strlen(json), "cfg", &c), cases[i].st, cases[i].frag);
    }
    const char *missing = "{\"hidden_size\":8}";
    CHECK_ERROR(vkb_config_parse(NULL, missing, strlen(missing), "cfg", &c), VKBERT_ERROR_MODEL_FORMAT,
                "missing \"vocab_size\"");
    /* model_type picks the family and its keys */
    const char *distil = "{\"model_type\":\"distilbert\",\"vocab_size\":100,\"dim\":12,\"n_layers\":2,\"n_heads\":3,"
                         "\"hidden_dim\":20,\"max_position_embeddings\":16%s}";
    snprintf(json, sizeof json, distil, "");
    CHECK(vkb_config_parse(NULL, json, strlen(json), "cfg", &c) == 0 && c.family && !strcmp(c.family, "distilbert") &&
              c.hidden_size == 12 && c.num_hidden_layers == 2 && c.num_attention_heads == 3 &&
              c.intermediate_size == 20 && c.type_vocab_size == 0 && c.layer_norm_eps == 1e-12f,
          "distilbert config: %s", vkbert_last_error());
    /* distilbert-base-cased-distilled-squad: sinusoidal_pos_embds true, its stored table read as any other */
    snprintf(json, sizeof json, distil, ",\"sinusoidal_pos_embds\":true");
    CHECK(vkb_config_parse(NULL, json, strlen(json), "cfg", &c) == 0 && c.max_position_embeddings == 16,
          "sinusoidal distilbert config: %s", vkbert_last_error());
    snprintf(json, sizeof json, base, "8", "2", ",\"model_type\":\"bert\"");
    CHECK(vkb_config_parse(NULL, json, strlen(json), "cfg", &c) == 0 && c.family && !strcmp(c.family, "bert"),
          "bert config: %s", vkbert_last_error());
    struct { const char *fmt, *extra; vkbert_status st; const char *frag; } family_cases[] = {
        {NULL, ",\"model_type\":\"gpt2\"", VKBERT_ERROR_UNSUPPORTED, "model_type \"gpt2\" is not supported (vkbert runs: bert, distilbert, roberta, albert, electra, modernbert, nomic_bert, jina_bert)"},
        {NULL, ",\"model_type\":7", VKBERT_ERROR_MODEL_FORMAT, "\"model_type\" must be a string"},
        {"d", ",\"activation\":\"relu\"", VKBERT_ERROR_UNSUPPORTED, "activation relu"},
        {"d", ",\"n_heads\":5", VKBERT_ERROR_MODEL_FORMAT, "duplicate JSON key"},
    };
    for (size_t i = 0; i < sizeof family_cases / sizeof family_cases[0]; ++i) {
        if (family_cases[i].fmt) snprintf(json, sizeof json, distil, family_cases[i].extra);
        else snprintf(json, sizeof json, base, "8", "2", family_cases[i].extra);
        CHECK_ERROR(vkb_config_parse(NULL, json, strlen(json), "cfg", &c), family_cases[i].st, family_cases[i].frag);
    }
    /* ALBERT and ELECTRA: embedding_size (AlbertConfig's and ElectraConfig's default 128, at most 3 x
     * hidden_size), ALBERT's gelu_new default and its one layer group */
    snprintf(json, sizeof json, base, "8", "2", ",\"model_type\":\"albert\",\"embedding_size\":4");
    CHECK(vkb_config_parse(NULL, json, strlen(json), "cfg", &c) == 0 && !strcmp(c.family, "albert") &&
              c.embedding_size == 4 && !strcmp(c.hidden_act, "gelu_new") && c.type_vocab_size == 2,
          "albert config: %s", vkbert_last_error());
    snprintf(json, sizeof json, base, "64", "2", ",\"model_type\":\"albert\",\"hidden_act\":\"gelu\"");
    CHECK(vkb_config_parse(NULL, json, strlen(json), "cfg", &c) == 0 && c.embedding_size == 128 &&
              !strcmp(c.hidden_act, "gelu"), "albert config, default embedding_size: %s", vkbert_last_error());
    snprintf(json, sizeof json, base, "8", "2", ",\"model_type\":\"electra\",\"embedding_size\":8");
    CHECK(vkb_config_parse(NULL, json, strlen(json), "cfg", &c) == 0 && !strcmp(c.family, "electra") &&
              c.embedding_size == 8 && !strcmp(c.hidden_act, "gelu"), "electra config: %s", vkbert_last_error());
    snprintf(json, sizeof json, base, "8", "2", ",\"hidden_act\":\"gelu_pytorch_tanh\"");
    CHECK(vkb_config_parse(NULL, json, strlen(json), "cfg", &c) == 0 && !strcmp(c.hidden_act, "gelu_new"),
          "bert config with the tanh GELU: %s", vkbert_last_error());
    struct { const char *extra; vkbert_status st; const char *frag; } factorised[] = {
        {",\"model_type\":\"albert\",\"embedding_size\":0", VKBERT_ERROR_MODEL_FORMAT, "\"embedding_size\" must be an integer in [1,"},
        {",\"model_type\":\"electra\",\"embedding_size\":0", VKBERT_ERROR_MODEL_FORMAT, "\"embedding_size\" must be an integer in [1,"},
        {",\"model_type\":\"albert\",\"embedding_size\":25", VKBERT_ERROR_UNSUPPORTED, "embedding_size 25 over 3 x hidden_size (24)"},
        {",\"model_type\":\"albert\",\"embedding_size\":4,\"num_hidden_groups\":2", VKBERT_ERROR_UNSUPPORTED,
         "num_hidden_groups 2 and inner_group_num 1 are not supported"},
        {",\"model_type\":\"albert\",\"embedding_size\":4,\"inner_group_num\":3", VKBERT_ERROR_UNSUPPORTED,
         "num_hidden_groups 1 and inner_group_num 3 are not supported"},
        {",\"model_type\":\"albert\",\"embedding_size\":4,\"num_hidden_groups\":0", VKBERT_ERROR_MODEL_FORMAT,
         "\"num_hidden_groups\" must be an integer"},
        {",\"model_type\":\"albert\",\"embedding_size\":4,\"hidden_act\":\"relu\"", VKBERT_ERROR_UNSUPPORTED,
         "hidden_act relu is not supported (vkbert implements \"gelu\", the exact erf GELU, \"gelu_new\""},
        {",\"model_type\":\"electra\",\"hidden_act\":\"gelu_fast\"", VKBERT_ERROR_UNSUPPORTED, "hidden_act gelu_fast"},
        {",\"model_type\":\"electra\",\"hidden_act\":3", VKBERT_ERROR_MODEL_FORMAT, "\"hidden_act\" must be a string, not a number"},
    };
    for (size_t i = 0; i < sizeof factorised / sizeof factorised[0]; ++i) {
        snprintf(json, sizeof json, base, "8", "2", factorised[i].extra);
        CHECK_ERROR(vkb_config_parse(NULL, json, strlen(json), "cfg", &c), factorised[i].st, factorised[i].frag);
    }
    const char *no_dim = "{\"model_type\":\"distilbert\",\"vocab_size\":100,\"hidden_size\":8}";
    CHECK_ERROR(vkb_config_parse(NULL, no_dim, strlen(no_dim), "cfg", &c), VKBERT_ERROR_MODEL_FORMAT, "missing \"dim\"");
}

int main(int argc, char **argv) {
    snprintf(g_dir, sizeof g_dir, "%s", argc > 1 ? argv[1] : ".");
    hostile_files();
    shrinking_file();
    half_conversions();
    config_cases();
    return test_finish("test_safetensors");
}
