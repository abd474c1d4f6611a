/* tokenizer.json: the loader of Hugging Face's serialized Tokenizer, and its encode and
 * decode (tj_internal.h lists the stages). Every component type the file names must be one
 * this file knows; any other is VKBERT_ERROR_UNSUPPORTED naming it, never a fallback.
 *
 * Old serializations are read as the Rust library reads them: a model without "type" is
 * Unigram when its vocab is a list, BPE when it has merges, else WordPiece; Metaspace
 * without prepend_scheme prepends always when add_prefix_space is true. */
#include "tj_internal.h"
#include "tokjson.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <utf8proc.h>

#define MAX_JSON_DEPTH 64
#define MAX_TEMPLATE 16

enum { M_WORDPIECE, M_BPE, M_UNIGRAM };

typedef struct added_tok {
    int32_t *cp, *ncp; /* content, and content normalized (for `normalized` tokens) */
    size_t ncps, nncp;
    int32_t id;
    bool special, single_word, lstrip, rstrip, normalized;
} added_tok;

typedef struct tpl_item {
    int seq;           /* 0 A, 1 B, -1 special */
    int32_t ids[4];    /* a special piece's ids */
    size_t nids;
    int32_t type;
} tpl_item;

struct vkb_tj {
    vkb_vocab vocab;
    int model;
    int32_t unk;       /* WordPiece unk */
    vkb_bpe bpe;
    vkb_unigram uni;
    vkb_tj_norm *norm;
    size_t nnorm;
    vkb_tj_pretok *pre;
    size_t npre;
    vkb_tj_dec *dec;
    size_t ndec;
    added_tok *added;
    size_t nadded;
    uint8_t *is_special; /* per id: a special added token */
    tpl_item single[MAX_TEMPLATE], pair[MAX_TEMPLATE];
    size_t nsingle, npair;
    bool trim, trim_prefix_space;
    int32_t mask;
};

static vkbert_status fmt(const char *path, const char *msg) {
    return vkb_fail(NULL, VKBERT_ERROR_MODEL_FORMAT, "%s: %s", path, msg);
}

#if defined(_MSC_VER)
#  define TJ_THREAD_LOCAL __declspec(thread)
#else
#  define TJ_THREAD_LOCAL _Thread_local
#endif

/* The first member of a wrong type met while one tokenizer.json is read (the getters return
 * no value, so the error is raised where the file's reading ends). */
static TJ_THREAD_LOCAL struct {
    bool set;
    char key[64];
    vkb_json_type want;
    const char *got;
} wrong_type;

static void note_wrong(const char *k, vkb_json_type want, const cJSON *j) {
    if (wrong_type.set) return;
    wrong_type.set = true;
    snprintf(wrong_type.key, sizeof wrong_type.key, "%s", k);
    wrong_type.want = want;
    wrong_type.got = vkb_json_type_name(j);
}

const char *vkb_tj_str(const cJSON *o, const char *k) {
    const cJSON *j = cJSON_GetObjectItemCaseSensitive(o, k);
    if (j && !cJSON_IsNull(j) && !cJSON_IsString(j)) note_wrong(k, VKB_JSON_STRING, j);
    return cJSON_IsString(j) ? j->valuestring : NULL;
}

int vkb_tj_bool(const cJSON *o, const char *k, int dflt) {
    const cJSON *j = cJSON_GetObjectItemCaseSensitive(o, k);
    if (j && !cJSON_IsNull(j) && !cJSON_IsBool(j)) note_wrong(k, VKB_JSON_BOOL, j);
    return cJSON_IsBool(j) ? cJSON_IsTrue(j) : dflt;
}

static vkbert_status each(const cJSON *j, const char *path, const char *what, const char *key, vkb_tj_add_fn add,
                          void *user, int depth) {
    if (!j || cJSON_IsNull(j)) return VKBERT_OK;
    if (!cJSON_IsObject(j)) return vkb_fail(NULL, VKBERT_ERROR_MODEL_FORMAT, "%s: a %s that is not an object", path, what);
    const char *type = vkb_tj_str(j, "type");
    if (!type || strcmp(type, "Sequence") != 0) return add(j, path, user);
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(j, key), *e;
    if (!cJSON_IsArray(list) || depth > 8)
        return vkb_fail(NULL, VKBERT_ERROR_MODEL_FORMAT, "%s: %s Sequence without a \"%s\" list (or nested over 8 deep)",
                        path, what, key);
    cJSON_ArrayForEach(e, list) {
        vkbert_status s = each(e, path, what, key, add, user, depth + 1);
        if (s) return s;
    }
    return VKBERT_OK;
}

vkbert_status vkb_tj_each(const cJSON *j, const char *path, const char *what, const char *key, vkb_tj_add_fn add,
                          void *user) {
    return each(j, path, what, key, add, user, 0);
}

static bool jid(const cJSON *j, uint32_t limit, int32_t *out) {
    if (!cJSON_IsNumber(j) || j->valuedouble < 0 || j->valuedouble >= limit || j->valuedouble != floor(j->valuedouble))
        return false;
    *out = (int32_t)j->valuedouble;
    return true;
}

bool vkb_nchars_utf8(const vkb_nchar *c, size_t n, char **buf, size_t *cap, size_t *len, size_t **byte_of,
                     size_t *byte_cap) {
    if (*cap < n * 4 + 1) {
        char *nb = vkb_realloc(*buf, n * 4 + 1);
        if (!nb) return false;
        *buf = nb;
        *cap = n * 4 + 1;
    }
    if (byte_of && *byte_cap < n + 1) {
        size_t *nb = vkb_realloc(*byte_of, (n + 1) * sizeof *nb);
        if (!nb) return false;
        *byte_of = nb;
        *byte_cap = n + 1;
    }
    size_t w = 0;
    for (size_t i = 0; i < n; ++i) {
        if (byte_of) (*byte_of)[i] = w;
        w += (size_t)utf8proc_encode_char(c[i].cp, (utf8proc_uint8_t *)*buf + w);
    }
    if (byte_of) (*byte_of)[n] = w;
    (*buf)[w] = '\0';
    *len = w;
    return true;
}

static int32_t *to_cps(const char *s, size_t len, size_t *n) {
    int32_t *v = vkb_malloc((len + 1) * sizeof *v);
    *n = 0;
    for (size_t i = 0; v && i < len;) {
        utf8proc_int32_t c;
        utf8proc_ssize_t k = utf8proc_iterate((const utf8proc_uint8_t *)s + i, (utf8proc_ssize_t)(len - i), &c);
        if (k <= 0) break;
        v[(*n)++] = c;
        i += (size_t)k;
    }
    return v;
}

void vkb_tj_free(vkb_tj *t) {
    if (!t) return;
    vkb_vocab_free(&t->vocab);
    vkb_bpe_free(&t->bpe);
    vkb_free(t->uni.score);
    vkb_tj_norm_free(t->norm, t->nnorm);
    vkb_tj_pretok_free(t->pre, t->npre);
    vkb_tj_dec_free(t->dec, t->ndec);
    for (size_t i = 0; i < t->nadded; ++i) {
        vkb_free(t->added[i].cp);
        vkb_free(t->added[i].ncp);
    }
    vkb_free(t->added);
    vkb_free(t->is_special);
    vkb_free(t);
}

/* ---- the model and its vocabulary ------------------------------------------------ */

static vkbert_status load_vocab(vkb_tj *t, const cJSON *model, const cJSON *added, const char *path) {
    const cJSON *voc = cJSON_GetObjectItemCaseSensitive(model, "vocab"), *e;
    const char *type = vkb_tj_str(model, "type");
    if (!type) {
        type = cJSON_IsArray(voc) ? "Unigram" : cJSON_GetObjectItemCaseSensitive(model, "merges") ? "BPE" : "WordPiece";
    }
    if (strcmp(type, "WordPiece") == 0) t->model = M_WORDPIECE;
    else if (strcmp(type, "BPE") == 0) t->model = M_BPE;
    else if (strcmp(type, "Unigram") == 0) t->model = M_UNIGRAM;
    else return vkb_fail(NULL, VKBERT_ERROR_UNSUPPORTED, "%s: model type \"%s\" is not supported", path, type);
    if (t->model == M_UNIGRAM ? !cJSON_IsArray(voc) : !cJSON_IsObject(voc))
        return vkb_fail(NULL, VKBERT_ERROR_MODEL_FORMAT, "%s: the %s model's vocab is not %s", path, type,
                        t->model == M_UNIGRAM ? "a list" : "an object");
    uint32_t count = 0;
    cJSON_ArrayForEach(e, voc) {
        int32_t id = (int32_t)count;
        if (t->model != M_UNIGRAM && !jid(e, VKB_MAX_VOCAB, &id))
            return vkb_fail(NULL, VKBERT_ERROR_MODEL_FORMAT, "%s: vocab entry \"%.100s\" has no valid id", path, e->string);
        if ((uint32_t)id + 1 > count) count = (uint32_t)id + 1;
        if (count > VKB_MAX_VOCAB) return fmt(path, "the vocabulary is over 4194304 entries");
    }
    cJSON_ArrayForEach(e, added) {
        int32_t id;
        if (!jid(cJSON_GetObjectItemCaseSensitive(e, "id"), VKB_MAX_VOCAB, &id))
            return fmt(path, "an added token without a valid id");
        if ((uint32_t)id + 1 > count) count = (uint32_t)id + 1;
    }
    if (count == 0) return fmt(path, "the vocabulary is empty");
    char **tok = vkb_calloc(count, sizeof *tok);
    if (!tok) return vkb_fail(NULL, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
    if (t->model == M_UNIGRAM) {
        t->uni.score = vkb_calloc(count, sizeof *t->uni.score);
        if (!t->uni.score) {
            vkb_free(tok);
            return vkb_fail(NULL, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
        }
    }
    uint32_t i = 0;
    double min_score = INFINITY;
    cJSON_ArrayForEach(e, voc) {
        if (t->model == M_UNIGRAM) {
            if (!cJSON_IsArray(e) || cJSON_GetArraySize(e) != 2 || !cJSON_IsString(e->child) ||
                !cJSON_IsNumber(e->child->next)) {
                vkb_free(tok);
                return vkb_fail(NULL, VKBERT_ERROR_MODEL_FORMAT, "%s: Unigram vocab entry %u is not [piece, score]", path, i);
            }
            tok[i] = e->child->valuestring;
            t->uni.score[i] = e->child->next->valuedouble;
            if (t->uni.score[i] < min_score) min_score = t->uni.score[i];
            ++i;
        } else {
            int32_t id = (int32_t)e->valuedouble;
            tok[id] = e->string;
        }
    }
    cJSON_ArrayForEach(e, added) {
        int32_t id = (int32_t)cJSON_GetObjectItemCaseSensitive(e, "id")->valuedouble;
        const char *c = vkb_tj_str(e, "content");
        if (!tok[id]) tok[id] = (char *)c;
    }
    vkbert_status s = vkb_vocab_from_tokens(&t->vocab, tok, count, path);
    vkb_free(tok);
    if (s) return s;
    if (t->model == M_UNIGRAM) {
        t->uni.unk_score = min_score - 10.0;
        int32_t unk = -1;
        const cJSON *u = cJSON_GetObjectItemCaseSensitive(model, "unk_id");
        if (!cJSON_IsNull(u) && u && !jid(u, i, &unk)) return fmt(path, "Unigram unk_id is outside the vocabulary");
        t->uni.unk = unk;
        t->uni.byte_fallback = vkb_tj_bool(model, "byte_fallback", 0);
        for (uint32_t k = 0; k < i; ++k) {
            size_t n = 0;
            for (const char *p = t->vocab.tokens[k]; *p; ++p) n += ((uint8_t)*p & 0xC0) != 0x80;
            if (n > t->uni.max_chars) t->uni.max_chars = n;
        }
        if (unk < 0) return vkb_fail(NULL, VKBERT_ERROR_UNSUPPORTED, "%s: a Unigram model without unk_id is not supported", path);
        return VKBERT_OK;
    }
    if (t->model == M_BPE) return vkb_bpe_parse(&t->bpe, &t->vocab, model, path);
    const char *unk = vkb_tj_str(model, "unk_token"), *prefix = vkb_tj_str(model, "continuing_subword_prefix");
    const cJSON *mx = cJSON_GetObjectItemCaseSensitive(model, "max_input_chars_per_word");
    if (prefix && strcmp(prefix, "##") != 0)
        return vkb_fail(NULL, VKBERT_ERROR_UNSUPPORTED, "%s: WordPiece continuing_subword_prefix \"%.20s\" is not supported (only \"##\")", path, prefix);
    if (mx && !(cJSON_IsNumber(mx) && mx->valuedouble == VKB_WORDPIECE_MAX_CHARS))
        return vkb_fail(NULL, VKBERT_ERROR_UNSUPPORTED, "%s: WordPiece max_input_chars_per_word other than 100 is not supported", path);
    t->unk = unk ? vkb_vocab_lookup(&t->vocab, false, unk, strlen(unk)) : -1;
    if (t->unk < 0) return vkb_fail(NULL, VKBERT_ERROR_MODEL_FORMAT, "%s: WordPiece unk_token \"%.100s\" is not in the vocabulary", path, unk ? unk : "(none)");
    return VKBERT_OK;
}

/* ---- added tokens ------------------------------------------------------------------ */

static vkbert_status load_added(vkb_tj *t, const cJSON *added, const char *path) {
    const cJSON *e;
    int n = cJSON_GetArraySize(added);
    t->added = vkb_calloc((size_t)n + 1, sizeof *t->added);
    t->is_special = vkb_calloc(t->vocab.count, 1);
    if (!t->added || !t->is_special) return vkb_fail(NULL, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
    cJSON_ArrayForEach(e, added) {
        const char *c = vkb_tj_str(e, "content");
        added_tok *a = &t->added[t->nadded];
        a->id = (int32_t)cJSON_GetObjectItemCaseSensitive(e, "id")->valuedouble;
        if (!c || !c[0])
            return vkb_fail(NULL, VKBERT_ERROR_MODEL_FORMAT, "%s: added token %d has %s content", path, (int)a->id,
                            c ? "an empty" : "no");
        a->special = vkb_tj_bool(e, "special", 0);
        a->single_word = vkb_tj_bool(e, "single_word", 0);
        a->lstrip = vkb_tj_bool(e, "lstrip", 0);
        a->rstrip = vkb_tj_bool(e, "rstrip", 0);
        a->normalized = vkb_tj_bool(e, "normalized", !a->special);
        ++t->nadded;
        if (!(a->cp = to_cps(c, strlen(c), &a->ncps))) return vkb_fail(NULL, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
        if (a->normalized) { /* matched on normalized text: its normalized form */
            vkb_nchars x = {0}, y = {0};
            bool ok = true;
            for (size_t i = 0; ok && i < a->ncps; ++i) ok = vkb_nchars_push(&x, a->cp[i], 0, 0);
            ok = ok && vkb_tj_normalize(t->norm, t->nnorm, &x, &y);
            a->ncp = ok ? vkb_malloc((x.n + 1) * sizeof *a->ncp) : NULL;
            for (size_t i = 0; a->ncp && i < x.n; ++i) a->ncp[i] = x.v[i].cp;
            a->nncp = x.n;
            vkb_nchars_free(&x);
            vkb_nchars_free(&y);
            if (!a->ncp) return vkb_fail(NULL, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
        }
        if (a->special) t->is_special[a->id] = 1;
        if (a->special && t->mask < 0 && (strcmp(c, "<mask>") == 0 || strcmp(c, "[MASK]") == 0)) t->mask = a->id;
    }
    return VKBERT_OK;
}

/* ---- the post-processor ------------------------------------------------------------ */

static bool sp_item(tpl_item *it, int32_t id, int32_t type) {
    *it = (tpl_item){.seq = -1, .ids = {id}, .nids = 1, .type = type};
    return true;
}

static vkbert_status pair_tok(const cJSON *j, const char *k, const vkb_tj *t, int32_t *id, const char *path) {
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(j, k);
    if (!cJSON_IsArray(p) || cJSON_GetArraySize(p) != 2 || !jid(p->child->next, t->vocab.count, id))
        return vkb_fail(NULL, VKBERT_ERROR_MODEL_FORMAT, "%s: post-processor \"%s\" is not [token, id] within the vocabulary", path, k);
    return VKBERT_OK;
}

static vkbert_status template_list(const cJSON *list, const cJSON *specials, const vkb_tj *t, tpl_item *out,
                                   size_t *n, const char *path) {
    const cJSON *e;
    *n = 0;
    if (!cJSON_IsArray(list)) return fmt(path, "TemplateProcessing without its single/pair list");
    cJSON_ArrayForEach(e, list) {
        if (*n == MAX_TEMPLATE) return fmt(path, "TemplateProcessing: more than 16 pieces");
        tpl_item *it = &out[(*n)++];
        const cJSON *sp = cJSON_GetObjectItemCaseSensitive(e, "SpecialToken"), *sq = cJSON_GetObjectItemCaseSensitive(e, "Sequence");
        const cJSON *body = sp ? sp : sq;
        int32_t type = 0;
        const cJSON *ty = cJSON_GetObjectItemCaseSensitive(body, "type_id");
        if (ty && !jid(ty, VKB_MAX_TYPES, &type)) return fmt(path, "TemplateProcessing: a bad type_id");
        const char *id = vkb_tj_str(body, "id");
        if (!id) return fmt(path, "TemplateProcessing: a piece that is neither SpecialToken nor Sequence");
        if (sq) {
            *it = (tpl_item){.seq = strcmp(id, "B") == 0, .type = type};
            continue;
        }
        const cJSON *def = cJSON_GetObjectItemCaseSensitive(specials, id), *ids, *x;
        ids = cJSON_GetObjectItemCaseSensitive(def, "ids");
        if (!cJSON_IsArray(ids) || cJSON_GetArraySize(ids) < 1 || cJSON_GetArraySize(ids) > 4)
            return vkb_fail(NULL, VKBERT_ERROR_MODEL_FORMAT, "%s: TemplateProcessing: special token \"%.100s\" is not defined with 1 to 4 ids", path, id);
        *it = (tpl_item){.seq = -1, .type = type};
        cJSON_ArrayForEach(x, ids) {
            if (!jid(x, t->vocab.count, &it->ids[it->nids]))
                return vkb_fail(NULL, VKBERT_ERROR_MODEL_FORMAT, "%s: TemplateProcessing: \"%.100s\" has an id outside the vocabulary", path, id);
            ++it->nids;
        }
    }
    return VKBERT_OK;
}

static vkbert_status load_post(vkb_tj *t, const cJSON *j, const char *path, int depth) {
    if (!j || cJSON_IsNull(j)) return VKBERT_OK;
    const char *type = vkb_tj_str(j, "type");
    if (!type) return fmt(path, "a post-processor without a \"type\"");
    if (strcmp(type, "Sequence") == 0) {
        const cJSON *list = cJSON_GetObjectItemCaseSensitive(j, "processors"), *e;
        if (!cJSON_IsArray(list) || depth > 8) return fmt(path, "post-processor Sequence without a \"processors\" list");
        cJSON_ArrayForEach(e, list) {
            vkbert_status s = load_post(t, e, path, depth + 1);
            if (s) return s;
        }
        return VKBERT_OK;
    }
    bool trim = vkb_tj_bool(j, "trim_offsets", 1), prefix_space = vkb_tj_bool(j, "add_prefix_space", 1);
    if (strcmp(type, "TemplateProcessing") == 0) {
        const cJSON *sp = cJSON_GetObjectItemCaseSensitive(j, "special_tokens");
        vkbert_status s = template_list(cJSON_GetObjectItemCaseSensitive(j, "single"), sp, t, t->single, &t->nsingle, path);
        return s ? s : template_list(cJSON_GetObjectItemCaseSensitive(j, "pair"), sp, t, t->pair, &t->npair, path);
    }
    if (strcmp(type, "BertProcessing") == 0 || strcmp(type, "RobertaProcessing") == 0) {
        bool roberta = type[0] == 'R';
        int32_t cls, sep;
        vkbert_status s = pair_tok(j, "cls", t, &cls, path);
        if (!s) s = pair_tok(j, "sep", t, &sep, path);
        if (s) return s;
        tpl_item *a = t->single, *b = t->pair;
        sp_item(&a[0], cls, 0), a[1] = (tpl_item){.seq = 0}, sp_item(&a[2], sep, 0);
        t->nsingle = 3;
        sp_item(&b[0], cls, 0), b[1] = (tpl_item){.seq = 0}, sp_item(&b[2], sep, 0);
        size_t k = 3;
        if (roberta) sp_item(&b[k++], sep, 0);
        b[k++] = (tpl_item){.seq = 1, .type = roberta ? 0 : 1};
        sp_item(&b[k++], sep, roberta ? 0 : 1);
        t->npair = k;
        if (roberta) {
            t->trim = trim;
            t->trim_prefix_space = prefix_space;
        }
        return VKBERT_OK;
    }
    if (strcmp(type, "ByteLevel") == 0) {
        t->trim = trim;
        t->trim_prefix_space = prefix_space;
        return VKBERT_OK;
    }
    return vkb_fail(NULL, VKBERT_ERROR_UNSUPPORTED, "%s: post-processor type \"%s\" is not supported", path, type);
}

vkbert_status vkb_tj_load(const char *json, size_t len, const char *path, vkb_tj **out) {
    *out = NULL;
    if (len > VKB_TJ_MAX_BYTES)
        return vkb_fail(NULL, VKBERT_ERROR_MODEL_FORMAT, "%s is %zu bytes, over the %u MiB a tokenizer.json may have", path,
                        len, VKB_TJ_MAX_BYTES >> 20);
    char err[256];
    cJSON *root = vkb_json_parse(json, len, MAX_JSON_DEPTH, err, sizeof err);
    if (!root) return vkb_fail(NULL, VKBERT_ERROR_MODEL_FORMAT, "%s: %s", path, err);
    vkbert_status s = vkb_tj_from_json(root, path, out);
    cJSON_Delete(root);
    return s;
}

static vkbert_status from_json(const cJSON *root, const char *path, vkb_tj **out);

vkbert_status vkb_tj_from_json(const cJSON *root, const char *path, vkb_tj **out) {
    wrong_type.set = false;
    vkbert_status s = from_json(root, path, out);
    if (wrong_type.set && s != VKBERT_ERROR_OUT_OF_HOST_MEMORY) { /* the cause of any other error too */
        vkb_tj_free(*out);
        *out = NULL;
        s = vkb_fail(NULL, VKBERT_ERROR_MODEL_FORMAT, "%s: \"%s\" must be %s, not %s", path, wrong_type.key,
                     wrong_type.want == VKB_JSON_BOOL ? "a boolean" : "a string", wrong_type.got);
    }
    wrong_type.set = false;
    return s;
}

static vkbert_status from_json(const cJSON *root, const char *path, vkb_tj **out) {
    *out = NULL;
    if (!cJSON_IsObject(root)) return fmt(path, "not a JSON object");
    const cJSON *model = cJSON_GetObjectItemCaseSensitive(root, "model"),
                *added = cJSON_GetObjectItemCaseSensitive(root, "added_tokens");
    if (!cJSON_IsObject(model)) return fmt(path, "no \"model\" object");
    if (added && !cJSON_IsArray(added) && !cJSON_IsNull(added)) return fmt(path, "\"added_tokens\" is not a list");
    if (cJSON_IsNull(added)) added = NULL;
    vkb_tj *t = vkb_calloc(1, sizeof *t);
    if (!t) return vkb_fail(NULL, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
    t->mask = -1;
    t->nsingle = 1;
    t->single[0] = (tpl_item){.seq = 0};
    t->npair = 2;
    t->pair[0] = (tpl_item){.seq = 0};
    t->pair[1] = (tpl_item){.seq = 1, .type = 1};
    vkbert_status s = vkb_tj_norm_parse(cJSON_GetObjectItemCaseSensitive(root, "normalizer"), path, &t->norm, &t->nnorm);
    if (!s) s = vkb_tj_pretok_parse(cJSON_GetObjectItemCaseSensitive(root, "pre_tokenizer"), path, &t->pre, &t->npre);
    if (!s) s = vkb_tj_dec_parse(cJSON_GetObjectItemCaseSensitive(root, "decoder"), path, &t->dec, &t->ndec);
    if (!s) s = load_vocab(t, model, added, path);
    if (!s) s = load_added(t, added, path);
    if (!s) s = load_post(t, cJSON_GetObjectItemCaseSensitive(root, "post_processor"), path, 0);
    if (s) {
        vkb_tj_free(t);
        return s;
    }
    *out = t;
    return VKBERT_OK;
}

/* ---- encoding ------------------------------------------------------------------------ */

typedef struct tj_enc {
    const vkb_tj *t;
    vkb_tok_sink *out;
    vkb_nchars raw, norm, tmp;
    vkb_tj_pieces pieces, ptmp;
    size_t *hit_at;   /* sink indices of added tokens, with the whitespace they swallowed */
    uint32_t *hit_lead, *hit_trail;
    size_t nhits, hits_cap;
} tj_enc;

static bool is_word(int32_t c) {
    utf8proc_category_t k = utf8proc_category(c);
    return c == '_' || (k >= UTF8PROC_CATEGORY_LU && k <= UTF8PROC_CATEGORY_LO) ||
           (k >= UTF8PROC_CATEGORY_ND && k <= UTF8PROC_CATEGORY_NO);
}

/* Leftmost-longest added token (of `normalized` kind) in c[from..n): true with [*s, *e) the
 * span including swallowed whitespace and *id. */
static bool find_added(const vkb_tj *t, bool normalized, const vkb_nchar *c, size_t from, size_t n, size_t *s,
                       size_t *e, int32_t *id) {
    for (size_t i = from; i < n; ++i) {
        const added_tok *best = NULL;
        size_t best_len = 0;
        for (size_t k = 0; k < t->nadded; ++k) {
            const added_tok *a = &t->added[k];
            if (a->normalized != normalized) continue;
            const int32_t *p = normalized ? a->ncp : a->cp;
            size_t pn = normalized ? a->nncp : a->ncps;
            if (pn == 0 || pn > n - i || pn <= best_len || c[i].cp != p[0]) continue;
            size_t j = 1;
            while (j < pn && c[i + j].cp == p[j]) ++j;
            if (j < pn) continue;
            if (a->single_word && ((i > 0 && is_word(c[i - 1].cp)) || (i + pn < n && is_word(c[i + pn].cp)))) continue;
            best = a;
            best_len = pn;
        }
        if (!best) continue;
        size_t a0 = i, a1 = i + best_len;
        if (best->lstrip) while (a0 > from && vkb_text_is_whitespace(c[a0 - 1].cp)) --a0;
        if (best->rstrip) while (a1 < n && vkb_text_is_whitespace(c[a1].cp)) ++a1;
        *s = a0;
        *e = a1;
        *id = best->id;
        return true;
    }
    return false;
}

/* Records that token `at` (a sink index) covers c[s..e), whose leading and trailing
 * whitespace the offset trim counts instead of its vocabulary string's. */
static bool record_hit(tj_enc *x, size_t at, const vkb_nchar *c, size_t s, size_t e) {
    if (x->nhits == x->hits_cap) {
        size_t cap = x->hits_cap ? x->hits_cap * 2 : 16;
        size_t *a = vkb_realloc(x->hit_at, cap * sizeof *a);
        if (!a) return false;
        x->hit_at = a;
        uint32_t *l = vkb_realloc(x->hit_lead, cap * sizeof *l);
        if (!l) return false;
        x->hit_lead = l;
        uint32_t *r = vkb_realloc(x->hit_trail, cap * sizeof *r);
        if (!r) return false;
        x->hit_trail = r;
        x->hits_cap = cap;
    }
    uint32_t lead = 0, trail = 0;
    while (s + lead < e && vkb_text_is_whitespace(c[s + lead].cp)) ++lead;
    while (e - trail > s + lead && vkb_text_is_whitespace(c[e - 1 - trail].cp)) ++trail;
    x->hit_at[x->nhits] = at;
    x->hit_lead[x->nhits] = lead;
    x->hit_trail[x->nhits++] = trail;
    return true;
}

static bool emit_hit(tj_enc *x, int32_t id, const vkb_nchar *c, size_t s, size_t e) {
    if (x->t->trim && !record_hit(x, x->out->count, c, s, e)) return false;
    vkb_sink_emit(x->out, id, c[s].start, c[e - 1].end);
    x->out->word++;
    return true;
}

/* Unigram's unknown pieces: Hugging Face's token is the piece's own text, not "<unk>", so the
 * offset trim counts that text's whitespace: c's code points within each such token's span. */
static bool unk_hits(tj_enc *x, const vkb_nchar *c, size_t n, size_t k0) {
    vkb_tok_sink *o = x->out;
    if (!x->t->trim || !o->ids || !o->offsets) return true;
    for (size_t i = k0; i < o->count && i < o->capacity; ++i) {
        if (o->ids[i] != x->t->uni.unk) continue;
        size_t s = 0, e;
        while (s < n && c[s].start < o->offsets[i].start) ++s;
        for (e = s; e < n && c[e].end <= o->offsets[i].end;) ++e;
        if (e > s && !record_hit(x, i, c, s, e)) return false;
    }
    return true;
}

static bool model_piece(tj_enc *x, const vkb_nchar *c, size_t n) {
    const vkb_tj *t = x->t;
    if (t->model == M_WORDPIECE) {
        vkb_piece p = {c, n, c[0].start, c[n - 1].end};
        vkb_wordpiece(&t->vocab, t->unk, &p, x->out);
        return true;
    }
    if (t->model == M_BPE) return vkb_bpe_encode(&t->bpe, &t->vocab, c, n, x->out);
    size_t k0 = x->out->count;
    return vkb_unigram_encode(&t->uni, &t->vocab, c, n, x->out) && unk_hits(x, c, n, k0);
}

static bool pretok_model(tj_enc *x, const vkb_nchar *c, size_t n) {
    if (n == 0) return true;
    if (!vkb_tj_pretokenize(x->t->pre, x->t->npre, c, n, &x->pieces, &x->ptmp)) return false;
    for (size_t i = 0; i < x->pieces.n; ++i)
        if (!model_piece(x, x->pieces.pool.v + x->pieces.off[i], x->pieces.len[i])) return false;
        else x->out->word++;
    return true;
}

/* A run between raw added tokens: normalize, split on normalized added tokens, the rest on. */
static bool run(tj_enc *x, const vkb_nchar *c, size_t n) {
    if (n == 0) return true;
    x->norm.n = 0;
    for (size_t i = 0; i < n; ++i)
        if (!vkb_nchars_push(&x->norm, c[i].cp, c[i].start, c[i].end)) return false;
    if (!vkb_tj_normalize(x->t->norm, x->t->nnorm, &x->norm, &x->tmp)) return false;
    vkb_nchars norm = x->norm; /* pretok_model does not touch x->norm */
    size_t from = 0, s, e;
    int32_t id;
    while (find_added(x->t, true, norm.v, from, norm.n, &s, &e, &id)) {
        if (!pretok_model(x, norm.v + from, s - from) || !emit_hit(x, id, norm.v, s, e)) return false;
        from = e;
    }
    return from >= norm.n || pretok_model(x, norm.v + from, norm.n - from); /* norm.v may be NULL when empty */
}

/* Leading/trailing 'Ġ' or whitespace of a token string, in code points. */
static void spaces(const char *s, uint32_t *lead, uint32_t *trail) {
    size_t n = strlen(s), i = 0;
    *lead = *trail = 0;
    bool all = true;
    uint32_t run_ = 0;
    while (i < n) {
        utf8proc_int32_t c;
        utf8proc_ssize_t k = utf8proc_iterate((const utf8proc_uint8_t *)s + i, (utf8proc_ssize_t)(n - i), &c);
        if (k <= 0) break;
        bool sp = c == 0x120 || vkb_text_is_whitespace(c);
        if (all && sp) ++*lead;
        else all = false;
        run_ = sp ? run_ + 1 : 0;
        i += (size_t)k;
    }
    *trail = run_;
}

/* The code point of x->raw (this text's) starting at byte `byte`, or after it: the count when
 * `byte` is the text's end. */
static size_t raw_char(const tj_enc *x, uint32_t byte) {
    size_t lo = 0, hi = x->raw.n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (x->raw.v[mid].start < byte) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

static uint32_t raw_byte(const tj_enc *x, size_t k) {
    return k < x->raw.n ? x->raw.v[k].start : x->raw.n ? x->raw.v[x->raw.n - 1].end : 0;
}

/* ByteLevel's/RobertaProcessing's trim_offsets (process_offsets). Hugging Face applies it to
 * offsets already in code points (encode_char_offsets converts each sequence's before the
 * post-processor), so the whitespace counts move code points, converted back to bytes here. */
static void trim(tj_enc *x, size_t k0) {
    vkb_tok_sink *o = x->out;
    size_t h = 0;
    for (size_t i = k0; i < o->count && i < o->capacity && o->offsets; ++i) {
        uint32_t lead, trail;
        while (h < x->nhits && x->hit_at[h] < i) ++h;
        if (h < x->nhits && x->hit_at[h] == i) lead = x->hit_lead[h], trail = x->hit_trail[h];
        else spaces(x->t->vocab.tokens[o->ids ? o->ids[i] : 0], &lead, &trail);
        vkbert_offset *f = &o->offsets[i];
        if (!lead && !trail) continue;
        size_t cs = raw_char(x, f->start), ce = raw_char(x, f->end);
        if (lead) {
            if ((i == k0 || cs == 0) && x->t->trim_prefix_space) lead = 0; /* the space it added */
            cs = cs + lead < ce ? cs + lead : ce;
        }
        if (trail && ce >= trail) ce = ce - trail > cs ? ce - trail : cs;
        f->start = raw_byte(x, cs);
        f->end = raw_byte(x, ce);
    }
}

static bool segment(tj_enc *x, const char *s, size_t len) {
    x->raw.n = 0;
    for (size_t i = 0; i < len;) {
        utf8proc_int32_t c;
        utf8proc_ssize_t k = utf8proc_iterate((const utf8proc_uint8_t *)s + i, (utf8proc_ssize_t)(len - i), &c);
        if (!vkb_nchars_push(&x->raw, c, (uint32_t)i, (uint32_t)(i + (size_t)k))) return false;
        i += (size_t)k; /* validated by the caller */
    }
    size_t k0 = x->out->count, from = 0, a, b;
    x->nhits = 0;
    int32_t id;
    while (find_added(x->t, false, x->raw.v, from, x->raw.n, &a, &b, &id)) {
        if (!run(x, x->raw.v + from, a - from) || !emit_hit(x, id, x->raw.v, a, b)) return false;
        from = b;
    }
    if (from < x->raw.n && !run(x, x->raw.v + from, x->raw.n - from)) return false; /* raw.v: NULL for "" */
    if (x->t->trim && x->out->ids) trim(x, k0);
    return true;
}

bool vkb_tj_encode(const vkb_tj *t, const char *text, size_t len, const char *pair, size_t plen, vkb_tok_sink *out) {
    tj_enc x = {.t = t, .out = out};
    const tpl_item *tpl = pair ? t->pair : t->single;
    size_t n = pair ? t->npair : t->nsingle;
    bool ok = true;
    for (size_t i = 0; ok && i < n; ++i) {
        out->type = tpl[i].type;
        if (tpl[i].seq < 0) {
            out->is_special = 1;
            for (size_t k = 0; k < tpl[i].nids; ++k) vkb_sink_emit(out, tpl[i].ids[k], 0, 0);
            out->is_special = 0;
        } else if (tpl[i].seq == 0) {
            ok = segment(&x, text, len);
        } else if (pair) {
            ok = segment(&x, pair, plen);
        }
    }
    vkb_nchars_free(&x.raw);
    vkb_nchars_free(&x.norm);
    vkb_nchars_free(&x.tmp);
    vkb_tj_pieces_free(&x.pieces);
    vkb_tj_pieces_free(&x.ptmp);
    vkb_free(x.hit_at);
    vkb_free(x.hit_lead);
    vkb_free(x.hit_trail);
    return ok;
}

/* ---- decoding and the vocabulary --------------------------------------------------- */

vkbert_status vkb_tj_decode_ids(const vkb_tj *t, const int32_t *ids, size_t count, bool skip_special, char **text,
                                size_t *len) {
    char **toks = vkb_calloc(count + 1, sizeof *toks);
    if (!toks) return vkb_fail(NULL, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of host memory decoding");
    size_t n = 0;
    bool ok = true;
    for (size_t i = 0; ok && i < count; ++i) {
        if (skip_special && t->is_special[ids[i]]) continue;
        ok = (toks[n++] = vkb_strdup(t->vocab.tokens[ids[i]])) != NULL;
    }
    ok = ok && vkb_tj_decode(t->dec, t->ndec, toks, &n, text, len);
    for (size_t i = 0; i <= count; ++i) vkb_free(toks[i]); /* ByteLevel and Fuse write toks[0] even for no ids */
    vkb_free(toks);
    return ok ? VKBERT_OK : vkb_fail(NULL, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of host memory decoding");
}

vkbert_status vkb_tj_decode_tokens(const vkb_tj *t, const char *const *tokens, size_t count, char **text, size_t *len) {
    char **toks = vkb_calloc(count + 1, sizeof *toks);
    if (!toks) return vkb_fail(NULL, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of host memory decoding");
    size_t n = 0;
    bool ok = true;
    for (size_t i = 0; ok && i < count; ++i) ok = (toks[n++] = vkb_strdup(tokens[i])) != NULL;
    ok = ok && vkb_tj_decode(t->dec, t->ndec, toks, &n, text, len);
    for (size_t i = 0; i <= count; ++i) vkb_free(toks[i]);
    vkb_free(toks);
    return ok ? VKBERT_OK : vkb_fail(NULL, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of host memory decoding");
}

const char *vkb_tj_subword_prefix(const vkb_tj *t) {
    if (t->model == M_WORDPIECE) return "##";
    if (t->model == M_BPE && t->bpe.prefix && t->bpe.prefix[0]) return t->bpe.prefix;
    return NULL;
}

const vkb_vocab *vkb_tj_vocab(const vkb_tj *t) { return &t->vocab; }
int32_t vkb_tj_mask(const vkb_tj *t) { return t->mask; }
const char *vkb_tj_model_name(const vkb_tj *t) {
    return t->model == M_UNIGRAM ? "Unigram" : t->model == M_BPE ? "BPE" : "WordPiece";
}
bool vkb_tj_is_special(const vkb_tj *t, int32_t id) { return t->is_special[id] != 0; }

int32_t vkb_tj_special(const vkb_tj *t, int which) {
    static const char *const NAMES[5][2] = {{"[PAD]", "<pad>"}, {"[UNK]", "<unk>"}, {"[CLS]", "<s>"}, {"[SEP]", "</s>"},
                                            {"[MASK]", "<mask>"}};
    if (which == 1 && t->model == M_WORDPIECE) return t->unk;
    if (which == 1 && t->model == M_UNIGRAM) return t->uni.unk;
    for (int k = 0; k < 2; ++k) {
        int32_t id = vkb_vocab_lookup(&t->vocab, false, NAMES[which][k], strlen(NAMES[which][k]));
        if (id >= 0) return id;
    }
    return -1;
}
