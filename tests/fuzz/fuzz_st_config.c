/* libFuzzer target: sentence-transformers' files (formats/st_config.c). The input is split at
 * 0x00 bytes into modules.json, 1_Pooling/config.json, 2_Dense/config.json,
 * sentence_bert_config.json and config_sentence_transformers.json (a missing part: no file),
 * written into a scratch model directory, then read for an encoder of width 32. */
#include "vkb_internal.h"
#include "formats/st_config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64];
static const char *FILES[] = {"modules.json", "1_Pooling/config.json", "2_Dense/config.json",
                              "sentence_bert_config.json", "config_sentence_transformers.json"};

static void put(const char *name, const uint8_t *p, size_t n, bool present) {
    char path[160];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (!present) {
        remove(path);
        return;
    }
    FILE *f = fopen(path, "wb");
    if (!f) __builtin_trap();
    if (n) fwrite(p, 1, n, f);
    fclose(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (!dir[0]) {
        snprintf(dir, sizeof dir, "/tmp/vkbert-fuzz-st-XXXXXX");
        if (!mkdtemp(dir)) __builtin_trap();
        char sub[128];
        snprintf(sub, sizeof sub, "%s/1_Pooling", dir);
        mkdir(sub, 0700);
        snprintf(sub, sizeof sub, "%s/2_Dense", dir);
        mkdir(sub, 0700);
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
            __builtin_trap();
        for (uint32_t i = 0; i < c.prompt_count; ++i)
            if (!c.prompts[i].name || !c.prompts[i].text) __builtin_trap();
        vkb_st_config_free(&c);
    }
    return 0;
}
