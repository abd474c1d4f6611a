/* The tokenizer's stages, shared inside runtime/src/text/ only. The chain, as Hugging Face's
 * `tokenizers` runs it for BERT:
 *
 *   text (raw UTF-8)
 *     -> special tokens written in the text are split out    (tokenizer.c)
 *     -> BertNormalizer, per code point with its source bytes (normalize_bert.c)
 *     -> BertPreTokenizer: whitespace split, punctuation alone (pretok.c)
 *     -> WordPiece, greedy longest match with "##"           (wordpiece.c)
 *     -> [CLS] A [SEP] (B [SEP]), token types                 (template.c)
 *   and back: ids -> text, WordPiece's decoder and clean-up   (decode_wordpiece.c)
 *
 * Offsets are bytes into the raw text a segment came from; every stage keeps them so that a
 * token's offsets are the original bytes of its first and last normalized code point (as
 * NormalizedString's alignments give them). */
#ifndef VKB_TEXT_INTERNAL_H
#define VKB_TEXT_INTERNAL_H

#include "vkb_internal.h"

/* ---- output: ids, types and offsets, counted past the capacity ---------------------- */

typedef struct vkb_tok_sink {
    int32_t *ids, *types;  /* each may be NULL */
    vkbert_offset *offsets; /* may be NULL */
    size_t capacity;       /* tokens the arrays hold */
    size_t count;          /* tokens produced so far (may exceed capacity) */
    int32_t type;          /* token type of what is emitted now */
    uint8_t *special;      /* special-tokens mask (may be NULL): 1 for what the template adds */
    uint8_t is_special;    /* the mask value of what is emitted now */
    uint32_t *words;       /* each token's word (may be NULL): the index of its pre-token */
    uint32_t word;         /* the word of what is emitted now; the encoders count it up per pre-token */
} vkb_tok_sink;

static inline void vkb_sink_emit(vkb_tok_sink *o, int32_t id, uint32_t start, uint32_t end) {
    if (o->count < o->capacity) {
        if (o->ids) o->ids[o->count] = id;
        if (o->types) o->types[o->count] = o->type;
        if (o->offsets) o->offsets[o->count] = (vkbert_offset){start, end};
        if (o->special) o->special[o->count] = o->is_special;
        if (o->words) o->words[o->count] = o->word;
    }
    o->count++;
}

/* ---- normalize_bert.c: BertNormalizer ----------------------------------------------- */

/* One normalized code point and the bytes [start, end) of the original code point it
 * came from (several normalized code points may share one source). */
typedef struct vkb_nchar {
    int32_t cp;
    uint32_t start, end;
} vkb_nchar;

typedef struct vkb_nchars {
    vkb_nchar *v;
    size_t n, cap; /* code points */
} vkb_nchars;

typedef struct vkb_bert_normalizer {
    bool lowercase;     /* do_lower_case */
    bool strip_accents; /* NFD, then drop non-spacing marks */
    bool chinese;       /* spaces around CJK ideographs */
} vkb_bert_normalizer;

/* Appends the normalized form of s[0..len) (valid UTF-8, no NUL) to *out; `base` is the byte
 * offset of s in the text that offsets refer to. False when out of memory. */
bool vkb_bert_normalize(const vkb_bert_normalizer *nz, const char *s, size_t len, uint32_t base, vkb_nchars *out);
void vkb_nchars_free(vkb_nchars *b);
/* One source code point c at bytes [start, end) through BertNormalizer, appended to *out. */
bool vkb_bert_normalize_char(const vkb_bert_normalizer *nz, int32_t c, uint32_t start, uint32_t end, vkb_nchars *out);

/* Character classes, Rust tokenizers' definitions. */
bool vkb_text_is_whitespace(int32_t c);
bool vkb_text_is_punct(int32_t c);

/* ---- pretok.c: BertPreTokenizer ----------------------------------------------------- */

/* One pre-token: normalized code points c[0..n) and their original bytes [start, end). */
typedef struct vkb_piece {
    const vkb_nchar *c;
    size_t n;
    uint32_t start, end;
} vkb_piece;

typedef bool (*vkb_piece_fn)(void *user, const vkb_piece *piece);

/* Splits normalized text on whitespace (dropped) and around punctuation (each mark a piece
 * of its own), calling `fn` on each piece in order; stops and returns false when it does. */
bool vkb_bert_pretokenize(const vkb_nchar *c, size_t n, vkb_piece_fn fn, void *user);

/* ---- wordpiece.c: vocabulary and WordPiece ------------------------------------------ */

#define VKB_WORDPIECE_MAX_CHARS 100 /* longer words are [UNK], as max_input_chars_per_word */

typedef struct vkb_vocab {
    char *text;             /* the vocabulary file, lines NUL-terminated in place */
    char **tokens;          /* id -> token */
    uint32_t count;         /* entries (ids) */
    int32_t *slots;         /* open-addressing hash: token -> id, -1 empty */
    uint32_t slot_mask;
    size_t max_token_bytes; /* the longest entry, bytes */
} vkb_vocab;

/* Parses vocab.txt (one token a line, CRLF allowed, later duplicates win); `path` names it
 * in messages. On failure *v is freed. */
vkbert_status vkb_vocab_init(vkb_vocab *v, const char *vocab, size_t len, const char *path);
void vkb_vocab_free(vkb_vocab *v);
/* The id of ("##" if cont) + s[0..n bytes), or -1. */
int32_t vkb_vocab_lookup(const vkb_vocab *v, bool cont, const char *s, size_t n);

/* WordPiece on one pre-token: greedy longest match, "##" on continuations; a word over
 * VKB_WORDPIECE_MAX_CHARS code points, or one with an unmatched rest, is `unk` spanning the
 * whole piece. Each subword gets the original bytes of its code points. */
void vkb_wordpiece(const vkb_vocab *v, int32_t unk, const vkb_piece *piece, vkb_tok_sink *out);

/* ---- template.c: the post-processor ------------------------------------------------- */

/* Encodes segment 0 (the text) or 1 (the pair) into the sink; false on failure. */
typedef bool (*vkb_segment_fn)(void *user, int segment, vkb_tok_sink *out);

/* BERT's template: [CLS] $A [SEP] (and $B:1 [SEP]:1 when has_pair); special tokens get
 * offsets [0, 0), segment A type 0, segment B type 1. */
bool vkb_bert_template(int32_t cls, int32_t sep, bool has_pair, vkb_segment_fn fn, void *user, vkb_tok_sink *out);

/* ---- decode_wordpiece.c: the decoder --------------------------------------------- */

/* Tokens appended one by one into dst (capacity bytes; `total` counts what the whole text
 * needs, without the NUL, also past the capacity). */
typedef struct vkb_decoder_wordpiece {
    char *dst;
    size_t capacity, total, kept;
    char *tmp;
} vkb_decoder_wordpiece;
/* Appends one token; false when out of memory. */
bool vkb_decode_wordpiece(vkb_decoder_wordpiece *d, const char *token, size_t max_token_bytes);
void vkb_decode_wordpiece_end(vkb_decoder_wordpiece *d);
/* The decoder's clean-up rules on s[0..n) in place; the new length. */
size_t vkb_wordpiece_cleanup(char *s, size_t n);

#endif
