/* The WordPiece model (Hugging Face `tokenizers`): vocab.txt as a hash from token to id, and
 * the greedy longest-match split of one word with "##" on continuations. As there, a
 * subword's offsets are the slice of the word's original span that its code points came
 * from, and [UNK] for a whole word spans the whole word. */
#include "text_internal.h"

#include <string.h>
#include <utf8proc.h>

#define MAX_VOCAB_ENTRIES (1u << 22)

static uint32_t hash_bytes(const char *s, size_t n) {
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; ++i) h = (h ^ (uint8_t)s[i]) * 16777619u;
    return h;
}

int32_t vkb_vocab_lookup(const vkb_vocab *v, bool cont, const char *s, size_t n) {
    char buf[512];
    size_t total = n + (cont ? 2 : 0);
    if (!cont) { /* no prefix: no copy, so any length */
        if (n > v->max_token_bytes) return -1;
        for (uint32_t h = hash_bytes(s, n) & v->slot_mask;; h = (h + 1) & v->slot_mask) {
            int32_t id = v->slots[h];
            if (id < 0) return -1;
            const char *tok = v->tokens[id];
            if (strncmp(tok, s, n) == 0 && tok[n] == '\0') return id;
        }
    }
    if (total > v->max_token_bytes || total > sizeof buf) return -1;
    if (cont) {
        buf[0] = '#';
        buf[1] = '#';
    }
    memcpy(buf + (cont ? 2 : 0), s, n);
    for (uint32_t h = hash_bytes(buf, total) & v->slot_mask;; h = (h + 1) & v->slot_mask) {
        int32_t id = v->slots[h];
        if (id < 0) return -1;
        const char *tok = v->tokens[id];
        if (strlen(tok) == total && memcmp(tok, buf, total) == 0) return id;
    }
}

void vkb_vocab_free(vkb_vocab *v) {
    vkb_free(v->text);
    vkb_free(v->tokens);
    vkb_free(v->slots);
    *v = (vkb_vocab){0};
}

static vkbert_status refuse(vkb_vocab *v, vkbert_status s) {
    vkb_vocab_free(v);
    return s;
}

vkbert_status vkb_vocab_init(vkb_vocab *v, const char *vocab, size_t len, const char *path) {
    *v = (vkb_vocab){0};
    v->text = vkb_malloc(len + 1);
    if (!v->text) goto oom;
    memcpy(v->text, vocab, len);
    v->text[len] = '\0';
    uint32_t lines = 0;
    for (size_t i = 0; i < len; ++i) lines += v->text[i] == '\n';
    if (len > 0 && v->text[len - 1] != '\n') ++lines;
    if (lines == 0) return refuse(v, vkb_fail(NULL, VKBERT_ERROR_MODEL_FORMAT, "%s: the vocabulary is empty", path));
    if (lines > MAX_VOCAB_ENTRIES)
        return refuse(v, vkb_fail(NULL, VKBERT_ERROR_MODEL_FORMAT, "%s: %u entries is over the %u allowed", path,
                                  lines, MAX_VOCAB_ENTRIES));
    v->tokens = vkb_calloc(lines, sizeof *v->tokens);
    uint32_t nslots = 16;
    while (nslots < lines * 2u) nslots <<= 1;
    v->slots = vkb_malloc(nslots * sizeof *v->slots);
    if (!v->tokens || !v->slots) goto oom;
    memset(v->slots, 0xFF, nslots * sizeof *v->slots);
    v->slot_mask = nslots - 1;
    char *p = v->text, *end = v->text + len;
    for (uint32_t id = 0; id < lines; ++id) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        char *e = nl ? nl : end;
        if (e > p && e[-1] == '\r') --e; /* CRLF files */
        size_t n = (size_t)(e - p);
        for (utf8proc_ssize_t i = 0; i < (utf8proc_ssize_t)n;) {
            utf8proc_int32_t cp;
            utf8proc_ssize_t k = utf8proc_iterate((const utf8proc_uint8_t *)p + i, (utf8proc_ssize_t)n - i, &cp);
            if (k <= 0)
                return refuse(v, vkb_fail(NULL, VKBERT_ERROR_MODEL_FORMAT, "%s: line %u is not valid UTF-8", path,
                                          id + 1));
            i += k;
        }
        *e = '\0';
        v->tokens[id] = p;
        if (n > v->max_token_bytes) v->max_token_bytes = n;
        /* Later duplicates win, as in Hugging Face's load_vocab. */
        uint32_t h = hash_bytes(p, n) & v->slot_mask;
        for (;; h = (h + 1) & v->slot_mask) {
            int32_t old = v->slots[h];
            if (old < 0 || strcmp(v->tokens[old], p) == 0) break;
        }
        v->slots[h] = (int32_t)id;
        p = nl ? nl + 1 : end;
    }
    v->count = lines;
    return VKBERT_OK;
oom:
    return refuse(v, vkb_fail(NULL, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of host memory loading %s", path));
}

void vkb_wordpiece(const vkb_vocab *v, int32_t unk, const vkb_piece *piece, vkb_tok_sink *out) {
    size_t n = piece->n;
    if (n > VKB_WORDPIECE_MAX_CHARS) {
        vkb_sink_emit(out, unk, piece->start, piece->end);
        return;
    }
    char bytes[VKB_WORDPIECE_MAX_CHARS * 4 + 1];
    size_t offs[VKB_WORDPIECE_MAX_CHARS + 1]; /* code point -> byte in `bytes` */
    size_t len = 0;
    for (size_t i = 0; i < n; ++i) {
        offs[i] = len;
        len += (size_t)utf8proc_encode_char(piece->c[i].cp, (utf8proc_uint8_t *)bytes + len);
    }
    offs[n] = len;
    int32_t ids[VKB_WORDPIECE_MAX_CHARS];
    size_t ends[VKB_WORDPIECE_MAX_CHARS]; /* code point after each subword */
    size_t np = 0, start = 0;
    while (start < n) {
        int32_t found = -1;
        size_t end = n;
        for (; end > start; --end) {
            size_t nb = offs[end] - offs[start] + (start > 0 ? 2 : 0);
            if (nb > v->max_token_bytes) continue;
            found = vkb_vocab_lookup(v, start > 0, bytes + offs[start], offs[end] - offs[start]);
            if (found >= 0) break;
        }
        if (found < 0) {
            vkb_sink_emit(out, unk, piece->start, piece->end);
            return;
        }
        ids[np] = found;
        ends[np++] = end;
        start = end;
    }
    for (size_t i = 0, s = 0; i < np; s = ends[i++])
        vkb_sink_emit(out, ids[i], piece->c[s].start, piece->c[ends[i] - 1].end);
}

vkbert_status vkb_vocab_from_tokens(vkb_vocab *v, char **tokens, uint32_t count, const char *path) {
    *v = (vkb_vocab){0};
    size_t total = 0;
    for (uint32_t i = 0; i < count; ++i) total += (tokens[i] ? strlen(tokens[i]) : 0) + 1;
    v->text = vkb_malloc(total + 1);
    v->tokens = vkb_calloc(count, sizeof *v->tokens);
    uint32_t nslots = 16;
    while (nslots < count * 2u) nslots <<= 1;
    v->slots = vkb_malloc(nslots * sizeof *v->slots);
    if (!v->text || !v->tokens || !v->slots)
        return refuse(v, vkb_fail(NULL, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of host memory loading %s", path));
    memset(v->slots, 0xFF, nslots * sizeof *v->slots);
    v->slot_mask = nslots - 1;
    char *p = v->text;
    for (uint32_t id = 0; id < count; ++id) {
        size_t n = tokens[id] ? strlen(tokens[id]) : 0;
        memcpy(p, tokens[id] ? tokens[id] : "", n);
        p[n] = '\0';
        v->tokens[id] = p;
        p += n + 1;
        if (!tokens[id]) continue; /* an id without a token: never looked up */
        if (n > v->max_token_bytes) v->max_token_bytes = n;
        uint32_t h = hash_bytes(v->tokens[id], n) & v->slot_mask;
        for (;; h = (h + 1) & v->slot_mask) {
            int32_t old = v->slots[h];
            if (old < 0 || strcmp(v->tokens[old], v->tokens[id]) == 0) break;
        }
        v->slots[h] = (int32_t)id;
    }
    v->count = count;
    return VKBERT_OK;
}
