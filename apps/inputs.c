/* The inputs of embed, similarity, rerank and classify: TEXT arguments, or one per line of a
 * file or of standard input. Every text is checked here, before a model is loaded, so that a
 * bad line is reported by its number and nothing runs (or is written) for a bad input. */
#include "cli.h"
#include "base/fs.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The byte offset of the first byte that does not start a valid UTF-8 sequence (RFC 3629:
 * no overlong forms, no surrogates, nothing above U+10FFFF), or n when all n bytes are valid. */
size_t utf8_invalid_at(const unsigned char *s, size_t n) {
    size_t i = 0;
    while (i < n) {
        unsigned c = s[i], len;
        if (c < 0x80) {
            ++i;
            continue;
        }
        if (c >= 0xC2 && c <= 0xDF) len = 2;
        else if (c >= 0xE0 && c <= 0xEF) len = 3;
        else if (c >= 0xF0 && c <= 0xF4) len = 4;
        else return i;
        if (n - i < len) return i;
        uint32_t cp = c & (0x7Fu >> len);
        for (unsigned k = 1; k < len; ++k) {
            if ((s[i + k] & 0xC0) != 0x80) return i;
            cp = cp << 6 | (s[i + k] & 0x3Fu);
        }
        if ((len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
            return i;
        i += len;
    }
    return n;
}

/* `what` ("line 3 of in.txt", "TEXT 2") holding `len` bytes at `s`. */
static int check_bytes(const char *what, const char *s, size_t len) {
    if (len == 0) return fail(1, VKBERT_ERROR_INVALID_TEXT, "%s is empty", what);
    const char *nul = memchr(s, '\0', len);
    if (nul) return fail(1, VKBERT_ERROR_INVALID_TEXT, "%s contains a NUL byte (at byte offset %zu)", what, (size_t)(nul - s));
    size_t bad = utf8_invalid_at((const unsigned char *)s, len);
    if (bad < len) return fail(1, VKBERT_ERROR_INVALID_TEXT, "%s is not valid UTF-8 (at byte offset %zu)", what, bad);
    return -1;
}

int check_text(const char *what, const char *text) { return check_bytes(what, text, strlen(text)); }

int inputs_from_args(char **args, size_t n, cli_inputs *in) {
    *in = (cli_inputs){0};
    in->texts = malloc((n ? n : 1) * sizeof *in->texts);
    if (!in->texts) return fail(1, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of memory");
    for (size_t i = 0; i < n; ++i) {
        char what[32];
        snprintf(what, sizeof what, "TEXT %zu", i + 1);
        int rc = check_text(what, args[i]);
        if (rc >= 0) {
            inputs_free(in);
            return rc;
        }
        in->texts[i] = args[i];
    }
    in->count = n;
    return -1;
}

/* All of `f`'s bytes, NUL-terminated; NULL with errno set when it cannot be read. */
static char *read_all(FILE *f, size_t *size) {
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        n += fread(buf + n, 1, cap - n - 1, f);
        if (ferror(f)) {
            int e = errno ? errno : EIO;
            free(buf);
            errno = e;
            return NULL;
        }
        if (feof(f)) break;
        if (cap > SIZE_MAX / 2) {
            free(buf);
            errno = ENOMEM;
            return NULL;
        }
        char *grown = realloc(buf, cap *= 2);
        if (!grown) free(buf);
        buf = grown;
    }
    if (!buf) {
        errno = ENOMEM;
        return NULL;
    }
    buf[n] = '\0';
    *size = n;
    return buf;
}

int inputs_from_file(const char *path, cli_inputs *in) {
    *in = (cli_inputs){0};
    bool std_in = !strcmp(path, "-");
    in->source = std_in ? "standard input" : path;
    errno = 0;
    FILE *f = std_in ? stdin : vkb_fopen(path, "rb");
    if (!f) return fail(1, VKBERT_ERROR_IO, "cannot read %s: %s", path, strerror(errno));
    size_t size = 0;
    in->data = read_all(f, &size);
    int err = errno;
    if (!std_in) fclose(f);
    if (!in->data) return fail(1, VKBERT_ERROR_IO, "cannot read %s: %s", in->source, strerror(err));
    char *p = in->data, *end = in->data + size;
    if (size >= 3 && !memcmp(p, "\xEF\xBB\xBF", 3)) p += 3; /* a byte-order mark is not text */
    size_t cap = 0;
    for (size_t line = 1; p < end; ++line) {
        char *nl = memchr(p, '\n', (size_t)(end - p)), *stop = nl ? nl : end;
        if (stop > p && stop[-1] == '\r') --stop;
        char what[64 + 256];
        snprintf(what, sizeof what, "line %zu of %.256s", line, in->source);
        int rc = check_bytes(what, p, (size_t)(stop - p));
        if (rc >= 0) {
            inputs_free(in);
            return rc;
        }
        if (in->count == cap) {
            cap = cap ? cap * 2 : 256;
            char **t = realloc(in->texts, cap * sizeof *t);
            size_t *l = t ? realloc(in->lines, cap * sizeof *l) : NULL;
            if (t) in->texts = t;
            if (l) in->lines = l;
            if (!t || !l) {
                inputs_free(in);
                return fail(1, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of memory reading %s", path);
            }
        }
        *stop = '\0';
        in->texts[in->count] = p;
        in->lines[in->count++] = line;
        p = nl ? nl + 1 : end;
    }
    return -1;
}

void inputs_name(const cli_inputs *in, size_t i, char *buf, size_t n) {
    if (in->lines) snprintf(buf, n, "line %zu of %s", in->lines[i], in->source);
    else snprintf(buf, n, "TEXT %zu", i + 1);
}

void inputs_free(cli_inputs *in) {
    free(in->texts);
    free(in->lines);
    free(in->data);
    *in = (cli_inputs){0};
}
