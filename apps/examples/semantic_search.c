/* Semantic search in a game: the item descriptions are embedded once (as a game would at load
 * time), then a player's query is embedded and the nearest item found by cosine similarity.
 * Usage: example_semantic_search MODEL_DIR [QUERY]. Built and run by the tests. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <vkbert.h>

static const char *ITEMS[] = {
    "a rusty iron sword that deals slashing damage",
    "a healing potion that restores fifty hit points",
    "a wooden shield reinforced with iron bands",
    "a scroll of fireball that burns every enemy in a wide area",
    "leather boots that let the wearer move silently",
    "a golden key that opens the treasure vault",
    "a longbow carved from yew, with a quiver of arrows",
    "a mana crystal that refills magic power",
    "a map of the northern mountains and their caves",
    "a fishing rod for catching fish in rivers and lakes",
};
#define ITEM_COUNT (sizeof ITEMS / sizeof ITEMS[0])

static double cosine(const float *a, const float *b, uint32_t n) {
    double dot = 0, na = 0, nb = 0;
    for (uint32_t i = 0; i < n; ++i) {
        dot += (double)a[i] * b[i];
        na += (double)a[i] * a[i];
        nb += (double)b[i] * b[i];
    }
    return na > 0 && nb > 0 ? dot / sqrt(na * nb) : 0;
}

int main(int argc, char **argv) {
    const char *dir = argc > 1 ? argv[1] : "models/all-MiniLM-L6-v2";
    const char *query = argc > 2 ? argv[2] : "something to drink when I am hurt";
    vkbert_context *ctx = NULL;
    vkbert_model *model = NULL;
    vkbert_runner *runner = NULL;
    float *items = NULL, *q = NULL;
    vkbert_status st = vkbert_context_create(&(vkbert_context_desc){0}, &ctx);
    if (st == VKBERT_ERROR_NO_DEVICE) {
        fprintf(stderr, "skipped: %s\n", vkbert_last_error());
        return 77;
    }
    if (!st) st = vkbert_model_load(ctx, &(vkbert_model_desc){.path = dir}, &model);
    /* the model's own pooling and normalisation (modules.json); long texts are cut */
    if (!st) st = vkbert_runner_create(model, &(vkbert_runner_desc){.task = VKBERT_TASK_EMBED}, &runner);
    uint32_t dim = runner ? vkbert_runner_width(runner) : 0;
    if (!st && (!(items = malloc(ITEM_COUNT * dim * sizeof *items)) || !(q = malloc(dim * sizeof *q))))
        st = VKBERT_ERROR_OUT_OF_HOST_MEMORY;
    /* once, at load time: every item, batched by length on the GPU */
    if (!st) st = vkbert_runner_embed(runner, ITEMS, ITEM_COUNT, items, ITEM_COUNT * dim, NULL);
    /* per request: the query */
    if (!st) st = vkbert_runner_embed(runner, &query, 1, q, dim, NULL);
    if (st) {
        fprintf(stderr, "error: %s\n", vkbert_last_error());
    } else {
        size_t best = 0;
        double best_cos = -2;
        for (size_t i = 0; i < ITEM_COUNT; ++i) {
            double c = cosine(q, items + i * dim, dim);
            if (c > best_cos) best = i, best_cos = c;
        }
        printf("query: \"%s\"\nnearest: \"%s\" (cosine %.4f)\n", query, ITEMS[best], best_cos);
    }
    free(q);
    free(items);
    vkbert_runner_destroy(runner);
    vkbert_model_destroy(model);
    vkbert_context_destroy(ctx);
    return st ? 1 : 0;
}
