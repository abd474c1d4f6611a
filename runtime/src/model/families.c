/* The one list of model families. To add one: write model/arch_<name>.c and add it here. */
#include "model/arch.h"

#include <stdio.h>
#include <string.h>

extern const vkb_arch vkb_arch_bert, vkb_arch_distilbert, vkb_arch_roberta, vkb_arch_albert, vkb_arch_electra,
    vkb_arch_modernbert, vkb_arch_nomicbert, vkb_arch_jinabert;
static const vkb_arch *const FAMILIES[] = {&vkb_arch_bert, &vkb_arch_distilbert, &vkb_arch_roberta, &vkb_arch_albert,
                                           &vkb_arch_electra, &vkb_arch_modernbert, &vkb_arch_nomicbert,
                                           &vkb_arch_jinabert};
#define FAMILY_COUNT (sizeof FAMILIES / sizeof FAMILIES[0])

/* Whether `list` ('|'-separated) holds `word`. */
static bool listed(const char *list, const char *word) {
    size_t n = strlen(word);
    for (const char *p = list;; ++p) {
        const char *end = strchr(p, '|');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len == n && !strncmp(p, word, n)) return true;
        if (!end) return false;
        p = end;
    }
}

const vkb_arch *vkb_arch_find(const char *model_type, const char *position_type) {
    const char *mt = model_type ? model_type : "";
    for (size_t i = 0; i < FAMILY_COUNT && position_type; ++i) /* the families a position type picks */
        if (FAMILIES[i]->position_type && !strcmp(FAMILIES[i]->position_type, position_type) &&
            listed(FAMILIES[i]->model_types, mt))
            return FAMILIES[i];
    for (size_t i = 0; i < FAMILY_COUNT; ++i)
        if (!FAMILIES[i]->position_type && listed(FAMILIES[i]->model_types, mt)) return FAMILIES[i];
    return NULL;
}

const vkb_arch *vkb_arch_named(const char *name) {
    if (!name || !*name) return FAMILIES[0]; /* BERT */
    for (size_t i = 0; i < FAMILY_COUNT; ++i)
        if (!strcmp(FAMILIES[i]->name, name)) return FAMILIES[i];
    return NULL;
}

const char *vkb_arch_list(char *buf, size_t size) {
    buf[0] = 0;
    for (size_t i = 0, n = 0; i < FAMILY_COUNT && n < size; ++i)
        n += (size_t)snprintf(buf + n, size - n, "%s%s", i ? ", " : "", FAMILIES[i]->name);
    return buf;
}
