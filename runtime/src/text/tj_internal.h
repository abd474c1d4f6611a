/* tokenizer.json's chain (Hugging Face `tokenizers`), shared by tokjson.c and its stages:
 *
 *   raw text -> added tokens that are not `normalized` split out on the raw bytes
 *            -> normalizers on code points that keep their source bytes (tj_norm.c)
 *            -> added tokens that are `normalized` split out on the normalized text
 *            -> pre-tokenizers: pieces of code points (tj_pretok.c; regexes through Oniguruma)
 *            -> the model on each piece: WordPiece (wordpiece.c), BPE (bpe.c), Unigram (unigram.c)
 *            -> the post-processor's template and offset trimming (tokjson.c)
 *   and back: ids -> token strings -> the decoders (tj_decode.c).
 *
 * Each stage reads and writes vkb_nchar arrays, so a token's offsets are the original bytes
 * of its first and last code point, as NormalizedString's alignments give them. */
#ifndef VKB_TJ_INTERNAL_H
#define VKB_TJ_INTERNAL_H

#include "text_internal.h"

struct cJSON;

/* Appends one code point; false when out of memory. */
bool vkb_nchars_push(vkb_nchars *b, int32_t c, uint32_t start, uint32_t end);
/* UTF-8 of c[0..n) into a growable buffer; byte_of[i] (n + 1 entries, may be NULL) is where
 * code point i starts. False when out of memory. */
bool vkb_nchars_utf8(const vkb_nchar *c, size_t n, char **buf, size_t *cap, size_t *len, size_t **byte_of,
                     size_t *byte_cap);

/* A vocabulary from id-indexed strings (NULL: no token of that id), hashed as vocab.txt's. */
vkbert_status vkb_vocab_from_tokens(vkb_vocab *v, char **tokens, uint32_t count, const char *path);

/* JSON getters: a string member or NULL; a bool member or dflt (absent or null). A member of
 * another type is remembered (the first one, per thread), and vkb_tj_from_json then fails with
 * "PATH: \"KEY\" must be a boolean, not a string", as vkb_json_get's readers do. */
const char *vkb_tj_str(const struct cJSON *o, const char *key);
int vkb_tj_bool(const struct cJSON *o, const char *key, int dflt);
/* A component (null: none) that may be {"type": "Sequence", list_key: [...]} (nested up to 8
 * deep): add(leaf, path, user) on each other one in order; `what` names the kind in errors. */
typedef vkbert_status (*vkb_tj_add_fn)(const struct cJSON *leaf, const char *path, void *user);
vkbert_status vkb_tj_each(const struct cJSON *j, const char *path, const char *what, const char *list_key,
                          vkb_tj_add_fn add, void *user);

/* ---- normalizers ------------------------------------------------------------------- */

enum { TN_BERT, TN_NFC, TN_NFD, TN_NFKC, TN_NFKD, TN_LOWER, TN_STRIP_ACCENTS, TN_REPLACE, TN_PREPEND, TN_STRIP,
       TN_PRECOMPILED };

typedef struct vkb_tj_norm {
    int kind;
    vkb_bert_normalizer bert;
    int32_t *from, *to; /* Replace (string pattern): code points; Prepend: `to` */
    struct vkb_regex *re;     /* Replace with a {"Regex": ...} pattern (regex.h); `to` its content */
    size_t nfrom, nto;
    bool left, right;         /* Strip */
    const uint32_t *trie;     /* Precompiled: darts double array, `trie_units` entries */
    uint32_t trie_units;
    const char *strings;      /* Precompiled: NUL-separated replacements, `strings_len` bytes */
    uint32_t strings_len;
    uint8_t *blob;            /* Precompiled: the decoded charsmap (owns trie and strings) */
} vkb_tj_norm;

/* Parses one normalizer object (Sequence flattened into `out`); errors name the type. */
vkbert_status vkb_tj_norm_parse(const struct cJSON *j, const char *path, vkb_tj_norm **out, size_t *n);
void vkb_tj_norm_free(vkb_tj_norm *v, size_t n);
/* Runs the normalizers on *io (swapping with *tmp); false when out of memory. */
bool vkb_tj_normalize(const vkb_tj_norm *v, size_t n, vkb_nchars *io, vkb_nchars *tmp);

/* ---- pre-tokenizers ---------------------------------------------------------------- */

enum { TP_BERT, TP_BYTELEVEL, TP_METASPACE, TP_WHITESPACE, TP_WSSPLIT, TP_SPLIT, TP_PUNCT, TP_DIGITS };
enum { TB_REMOVED, TB_ISOLATED, TB_PREVIOUS, TB_NEXT, TB_CONTIGUOUS };

typedef struct vkb_tj_pretok {
    int kind;
    struct vkb_regex *re;     /* regex.h: ByteLevel's split, Whitespace's, Split's regex */
    int32_t *str;             /* Split with a String pattern: its code points */
    size_t nstr;
    int behavior;
    bool invert, add_prefix_space, use_regex, split, individual_digits;
    int32_t replacement;      /* Metaspace */
    int prepend;              /* Metaspace: 0 never, 1 first, 2 always */
} vkb_tj_pretok;

/* A list of pieces: [off, off + n) of `pool`. */
typedef struct vkb_tj_pieces {
    vkb_nchars pool;
    size_t *off, *len;
    size_t n, cap;
} vkb_tj_pieces;

vkbert_status vkb_tj_pretok_parse(const struct cJSON *j, const char *path, vkb_tj_pretok **out, size_t *n);
void vkb_tj_pretok_free(vkb_tj_pretok *v, size_t n);
void vkb_tj_pieces_free(vkb_tj_pieces *p);
/* Runs the pre-tokenizers on c[0..n) into *out (tmp: scratch); false when out of memory. */
bool vkb_tj_pretokenize(const vkb_tj_pretok *v, size_t nv, const vkb_nchar *c, size_t n, vkb_tj_pieces *out,
                        vkb_tj_pieces *tmp);
/* The byte-level alphabet: byte -> code point, and code point -> byte (-1: none). */
int32_t vkb_bytelevel_char(uint8_t b);
int vkb_bytelevel_byte(int32_t cp);

/* ---- models ------------------------------------------------------------------------ */

typedef struct vkb_bpe {
    uint64_t *keys;           /* (left id << 32 | right id) + 1, 0 empty */
    uint32_t *rank, *merged;
    uint32_t mask;
    char *prefix, *suffix;    /* continuing_subword_prefix, end_of_word_suffix ("" when null) */
    int32_t unk;              /* -1: none */
    bool fuse_unk, byte_fallback, ignore_merges;
} vkb_bpe;

vkbert_status vkb_bpe_parse(vkb_bpe *b, const vkb_vocab *v, const struct cJSON *model, const char *path);
void vkb_bpe_free(vkb_bpe *b);
/* One piece into the sink; false when out of memory. */
bool vkb_bpe_encode(const vkb_bpe *b, const vkb_vocab *v, const vkb_nchar *c, size_t n, vkb_tok_sink *out);

typedef struct vkb_unigram {
    double *score;
    double unk_score;
    int32_t unk;
    size_t max_chars;         /* the longest piece, code points */
    bool byte_fallback;
} vkb_unigram;

bool vkb_unigram_encode(const vkb_unigram *u, const vkb_vocab *v, const vkb_nchar *c, size_t n, vkb_tok_sink *out);

/* ---- decoders ---------------------------------------------------------------------- */

enum { TD_WORDPIECE, TD_BYTELEVEL, TD_METASPACE, TD_BPE, TD_BYTEFALLBACK, TD_FUSE, TD_STRIP, TD_REPLACE, TD_CTC };

typedef struct vkb_tj_dec {
    int kind;
    char *a, *b;              /* WordPiece prefix / BPEDecoder suffix / Replace from, to / Metaspace replacement */
    bool cleanup;
    int prepend;              /* Metaspace */
    uint32_t start, stop;     /* Strip */
} vkb_tj_dec;

vkbert_status vkb_tj_dec_parse(const struct cJSON *j, const char *path, vkb_tj_dec **out, size_t *n);
void vkb_tj_dec_free(vkb_tj_dec *v, size_t n);
/* Runs the decoders over toks[0..n) (each vkb_malloc'd, replaced in place; *n may shrink)
 * and joins them into *text (vkb_malloc'd); false when out of memory. */
bool vkb_tj_decode(const vkb_tj_dec *v, size_t nv, char **toks, size_t *n, char **text, size_t *len);

#endif
