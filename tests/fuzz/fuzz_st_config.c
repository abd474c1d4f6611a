/* libFuzzer target: sentence-transformers' files (formats/st_config.c). The input is split at
 * 0x00 bytes into modules.json, 1_Pooling/config.json, 2_Dense/config.json,
 * sentence_bert_config.json and config_sentence_transformers.json (a missing part: no file),
 * written into a scratch model directory, then read for an encoder of width 32. */
#include "vkb_internal.h"
#include "formats/st_config.h"

#include "../test_platform.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[512];
static const char *FILES[] = {"modules.json", "1_Pooling/config.json", "2_Dense/config.json",
                              "sentence_bert_config.json", "config_sentence_transformers.json"};

static void put(const char *name, const uint8_t *p, size_t n, bool present) {
    char path[600];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (!present) {
        remove(path);
        return;
    }
    FILE *f = fopen(path, "wb");
    if (!f) TEST_TRAP();
    if (n) fwrite(p, 1, n, f);
    fclose(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (!dir[0]) {
        if (test_make_temp_dir("vkbert-fuzz-st", dir, sizeof dir)) TEST_TRAP();
        char sub[600];
        snprintf(sub, sizeof sub, "%s/1_Pooling", dir);
        vkb_make_dir(sub);
        snprintf(sub, sizeof sub, "%s/2_Dense", dir);
        vkb_make_dir(sub);
        snprintf(sub, sizeof sub, "%s/2_Dense/model.safetensors", dir); /* present: its bytes are not read here */
        FILE *f = fopen(sub, "wb");
        if (f) fclose(f);
    }
    size_t start = 0;
    for (int k = 0; k < 5; ++k) {
        size_t end = start;
        while (end < size && data[end] != 0) ++end;
        put(FILES[k], data + start, end - start, start < size || (k == 0 && size == 0));
        start = end + 1;
    }
    vkb_st_config c;
    if (vkb_st_config_read(NULL, dir, 32, &c) == VKBERT_OK) {
        /* what the heads and the runner rely on */
        if (c.pooling < 1 || c.pooling > 5 || (c.dense && (c.dense_in != 32 || !c.dense_out || !c.dense_dir)) ||
            c.default_prompt >= (int32_t)c.prompt_count || (c.dense_act != 0 && c.dense_act != 2))
            TEST_TRAP();
        for (uint32_t i = 0; i < c.prompt_count; ++i)
            if (!c.prompts[i].name || !c.prompts[i].text) TEST_TRAP();
        vkb_st_config_free(&c);
    }
    return 0;
}
