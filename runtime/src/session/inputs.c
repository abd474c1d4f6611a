/* An encode's inputs: the batch checked, ids, token types, mask and head rows written into the
 * mapped buffers, the indirect slots sized to the head rows. */
#include "session/session.h"

#include <string.h>

/* Checks the batch and writes ids, types, mask and head rows into the mapped inputs. */
vkbert_status vkb_session_write_inputs(vkbert_session *s, const vkbert_sequence *seqs, uint32_t count) {
    vkbert_context *ctx = s->ctx;
    const vkbert_model_config *c = &s->model->config;
    if (count == 0 || !seqs) return vkb_fail(ctx, VKBERT_ERROR_INVALID_ARGUMENT, "encode: no sequences given");
    if (count > s->batch)
        return vkb_fail(ctx, VKBERT_ERROR_TOO_LONG, "encode: %u sequences but the session holds at most %u", count,
                        s->batch);
    int32_t mask_id = s->model->mask_id;
    uint32_t rows = 0;
    for (uint32_t b = 0; b < count; ++b) {
        const vkbert_sequence *q = &seqs[b];
        bool types = c->type_vocab_size > 0 && q->token_type_ids; /* a family without them ignores them */
        if (q->length == 0 || !q->input_ids)
            return vkb_fail(ctx, VKBERT_ERROR_INVALID_ARGUMENT, "encode: sequence %u is empty", b);
        if (q->length > s->seq)
            return vkb_fail(ctx, VKBERT_ERROR_TOO_LONG, "encode: sequence %u has %u tokens; the session allows %u "
                            "(model: %u)", b, q->length, s->seq, c->max_tokens);
        for (uint32_t i = 0; i < q->length; ++i) {
            if (q->input_ids[i] < 0 || (uint32_t)q->input_ids[i] >= c->vocab_size)
                return vkb_fail(ctx, VKBERT_ERROR_INVALID_ARGUMENT, "encode: sequence %u token %u: id %d is outside "
                                "the vocabulary [0, %u)", b, i, q->input_ids[i], c->vocab_size);
            if (types && (q->token_type_ids[i] < 0 || (uint32_t)q->token_type_ids[i] >= c->type_vocab_size))
                return vkb_fail(ctx, VKBERT_ERROR_INVALID_ARGUMENT, "encode: sequence %u token %u: token type %d is "
                                "outside [0, %u)", b, i, q->token_type_ids[i], c->type_vocab_size);
            bool row = s->head_mode == VKBERT_HEAD_ALL ||
                       (s->head_mode == VKBERT_HEAD_MASKED && q->input_ids[i] == mask_id);
            if (row && rows++ >= s->head_rows)
                return vkb_fail(ctx, VKBERT_ERROR_TOO_LONG, "encode: more than %u tokens need the MLM head "
                                "(the session's max_head_rows)", s->head_rows);
        }
    }
    uint32_t T = s->chunk_tokens;
    for (uint32_t ch = 0; ch < s->chunks; ++ch) memset(s->input[ch].mapped, 0, (size_t)3 * T * 4);
    int32_t *head_in = s->rows_in.mapped;
    rows = 0;
    for (uint32_t b = 0; b < count; ++b) {
        const vkbert_sequence *q = &seqs[b];
        int32_t *in = s->input[b / s->chunk_seqs].mapped;
        for (uint32_t i = 0; i < q->length; ++i) {
            uint32_t t = (b % s->chunk_seqs) * s->seq + i;  /* in the chunk */
            in[t] = q->input_ids[i];
            in[T + t] = c->type_vocab_size && q->token_type_ids ? q->token_type_ids[i] : 0;
            in[2 * T + t] = 1;
            bool row = s->head_mode == VKBERT_HEAD_ALL ||
                       (s->head_mode == VKBERT_HEAD_MASKED && q->input_ids[i] == mask_id);
            if (row) {
                head_in[rows] = (int32_t)(b * s->seq + i);  /* chunks are contiguous runs of tokens */
                s->row_seq[rows] = b;
                s->row_pos[rows] = i;
                rows++;
            }
        }
        s->lengths[b] = q->length;
    }
    int32_t *tab = s->seqtab.mapped; /* pooling heads: (length, skip) per sequence, 0 for unused slots */
    memset(tab, 0, (size_t)2 * s->chunks * s->chunk_seqs * 4);
    for (uint32_t b = 0; b < count; ++b) {
        tab[2 * b] = (int32_t)seqs[b].length;
        tab[2 * b + 1] = (int32_t)(seqs[b].pool_skip < seqs[b].length ? seqs[b].pool_skip : seqs[b].length);
    }
    s->count = count;
    s->rows = rows;
    vkb_graph_write_slots(&s->graph, rows, s->indirect.mapped);
    return VKBERT_OK;
}
