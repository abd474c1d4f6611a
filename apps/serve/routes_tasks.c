/* /fill-mask, /ner, /qa, /score, /attention (placeholder until they land: 501-like 424s). */
#include "serve.h"

static int later(serve_err *e) { return serve_fail(e, 424, SERVE_ERR_BACKEND, "this route is not in this build yet"); }
int serve_fill_mask(serve_dev *d, const struct cJSON *req, FILE *out, serve_err *e) { (void)d, (void)req, (void)out; return later(e); }
int serve_ner(serve_dev *d, const struct cJSON *req, FILE *out, serve_err *e) { (void)d, (void)req, (void)out; return later(e); }
int serve_qa(serve_dev *d, const struct cJSON *req, FILE *out, serve_err *e) { (void)d, (void)req, (void)out; return later(e); }
int serve_score(serve_dev *d, const struct cJSON *req, FILE *out, serve_err *e) { (void)d, (void)req, (void)out; return later(e); }
int serve_attention(serve_dev *d, const struct cJSON *req, FILE *out, serve_err *e) { (void)d, (void)req, (void)out; return later(e); }
