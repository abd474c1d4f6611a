/* The question-answering head (BertForQuestionAnswering, DistilBertForQuestionAnswering and
 * kin): qa_outputs, a linear layer of two outputs (start logit, end logit) on every token's
 * final hidden state; the session part is the token classifier's (head_tokcls.c). Span search,
 * windows and scores are the runner's (tasks/qa.c). */
#include "heads/head.h"
#include "model/model.h"

static vkbert_status load(vkb_loader *L, bool tied, void **out) {
    (void)tied;
    *out = NULL;
    if (L->random || !vkb_weights_has(L, VKB_T_QA_W, 0)) return VKBERT_OK;
    return vkb_token_linear_load(L, VKB_T_QA_W, VKB_T_QA_B, 2, "the question-answering projection (qa_outputs: "
                                 "start and end)", out);
}

const vkb_head_class vkb_head_qa = {
    .name = "qa",
    .gathers = true,
    .load = load,
    .free_weights = vkb_token_linear_free,
    .create = vkb_token_head_create,
    .build = vkb_token_head_build,
    .copies = vkb_token_head_copies,
    .device_bytes = vkb_token_head_device_bytes,
    .destroy = vkb_token_head_destroy,
};
