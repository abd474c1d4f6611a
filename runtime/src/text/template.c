/* The post-processor of BERT's tokenizer.json (TemplateProcessing, as BertProcessing):
 * single "[CLS] $A [SEP]", pair "[CLS] $A [SEP] $B:1 [SEP]:1". The template's own special
 * tokens point at no text: offsets [0, 0). */
#include "text_internal.h"

bool vkb_bert_template(int32_t cls, int32_t sep, bool has_pair, vkb_segment_fn fn, void *user, vkb_tok_sink *out) {
    out->type = 0;
    out->is_special = 1;
    vkb_sink_emit(out, cls, 0, 0);
    out->is_special = 0;
    if (!fn(user, 0, out)) return false;
    out->is_special = 1;
    vkb_sink_emit(out, sep, 0, 0);
    out->is_special = 0;
    if (!has_pair) return true;
    out->type = 1;
    if (!fn(user, 1, out)) return false;
    out->is_special = 1;
    vkb_sink_emit(out, sep, 0, 0);
    out->is_special = 0;
    return true;
}
