/* A graph under construction: its program and the indirect slots of its head dispatches. */
#include "ops/ops.h"

int32_t vkb_graph_slot(vkb_graph *g, uint32_t kernel, uint32_t row0, uint32_t cap, uint32_t n) {
    for (uint32_t i = 0; i < g->slot_count; ++i) {
        const vkb_slot *x = &g->slots[i];
        if (x->kernel == kernel && x->row0 == row0 && x->cap == cap && x->n == n) return (int32_t)i;
    }
    if (g->slot_count == g->slot_capacity) {
        uint32_t cap2 = g->slot_capacity ? g->slot_capacity * 2 : 8;
        vkb_slot *ns = vkb_realloc(g->slots, cap2 * sizeof *ns);
        if (!ns) return -1;
        g->slots = ns;
        g->slot_capacity = cap2;
    }
    g->slots[g->slot_count] = (vkb_slot){kernel, row0, cap, n};
    return (int32_t)g->slot_count++;
}

uint32_t vkb_slot_rows(const vkb_slot *x, uint32_t rows) {
    uint32_t live = rows > x->row0 ? rows - x->row0 : 0;
    return live < x->cap ? live : x->cap;
}

void vkb_graph_write_slots(const vkb_graph *g, uint32_t rows, VkDispatchIndirectCommand *out) {
    for (uint32_t i = 0; i < g->slot_count; ++i) {
        const vkb_slot *x = &g->slots[i];
        uint32_t live = vkb_slot_rows(x, rows);
        out[i] = x->kernel == VKB_SLOT_ONE_PER_ROW
                     ? (VkDispatchIndirectCommand){live, 1, 1}
                     : vkb_matmul_groups(g->ctx, x->kernel, live, x->n, 1); /* head dispatches: 1 row group */
    }
}

void vkb_graph_destroy(vkb_graph *g) {
    vkb_free(g->slots);
    g->slots = NULL;
    g->slot_count = g->slot_capacity = 0;
}
