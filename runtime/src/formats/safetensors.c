/* safetensors reader: untrusted input, so every field is checked before use.
 * Format: u64 little-endian header length N, N bytes of JSON
 * {"name": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, "__metadata__": {..}},
 * then the data section, which the tensors must tile exactly. */
#include "vkb_internal.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_JSON_DEPTH 64

static const struct { const char *name; uint32_t size; vkb_dtype dtype; } DTYPES[] = {
    {"F32", 4, VKB_F32}, {"F16", 2, VKB_F16}, {"BF16", 2, VKB_BF16}, {"F64", 8, VKB_OTHER},
    {"I64", 8, VKB_OTHER}, {"U64", 8, VKB_OTHER}, {"I32", 4, VKB_OTHER}, {"U32", 4, VKB_OTHER},
    {"I16", 2, VKB_OTHER}, {"U16", 2, VKB_OTHER}, {"I8", 1, VKB_OTHER}, {"U8", 1, VKB_OTHER},
    {"BOOL", 1, VKB_OTHER}, {"F8_E4M3", 1, VKB_OTHER}, {"F8_E5M2", 1, VKB_OTHER},
};

static bool valid_utf8(const unsigned char *s, size_t n, size_t *bad) {
    size_t i = 0;
    while (i < n) {
        unsigned c = s[i];
        size_t len;
        uint32_t cp;
        if (c < 0x80) { ++i; continue; }
        else if ((c & 0xE0) == 0xC0) { len = 2; cp = c & 0x1F; }
        else if ((c & 0xF0) == 0xE0) { len = 3; cp = c & 0x0F; }
        else if ((c & 0xF8) == 0xF0) { len = 4; cp = c & 0x07; }
        else { *bad = i; return false; }
        if (i + len > n) { *bad = i; return false; }
        for (size_t k = 1; k < len; ++k) {
            if ((s[i + k] & 0xC0) != 0x80) { *bad = i; return false; }
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
            cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) { *bad = i; return false; }
        i += len;
    }
    return true;
}

/* A JSON number that is a non-negative integer representable exactly. */
static bool json_u64(const cJSON *j, uint64_t *out) {
    if (!cJSON_IsNumber(j)) return false;
    double d = j->valuedouble;
    if (!(d >= 0.0) || d > 9007199254740992.0 || floor(d) != d) return false;
    *out = (uint64_t)d;
    return true;
}

static int cmp_range(const void *a, const void *b) {
    const vkb_tensor_info *x = *(const vkb_tensor_info *const *)a, *y = *(const vkb_tensor_info *const *)b;
    if (x->begin != y->begin) return x->begin < y->begin ? -1 : 1;
    if (x->end != y->end) return x->end < y->end ? -1 : 1;
    return 0;
}

static vkbert_status parse_tensor(vkbert_context *ctx, const char *path, const cJSON *e, vkb_tensor_info *t) {
    const char *name = e->string;
    if (!cJSON_IsObject(e))
        return vkb_fail(ctx, VKBERT_ERROR_MODEL_FORMAT, "%s: tensor \"%s\" is not a JSON object", path, name);
    const cJSON *dt = cJSON_GetObjectItemCaseSensitive(e, "dtype");
    const cJSON *sh = cJSON_GetObjectItemCaseSensitive(e, "shape");
    const cJSON *of = cJSON_GetObjectItemCaseSensitive(e, "data_offsets");
    if (!cJSON_IsString(dt) || !cJSON_IsArray(sh) || !cJSON_IsArray(of))
        return vkb_fail(ctx, VKBERT_ERROR_MODEL_FORMAT,
                        "%s: tensor \"%s\" needs a string \"dtype\", an array \"shape\" and an array \"data_offsets\"",
                        path, name);
    uint32_t esize = 0;
    for (size_t i = 0; i < sizeof DTYPES / sizeof DTYPES[0]; ++i)
        if (strcmp(dt->valuestring, DTYPES[i].name) == 0) {
            esize = DTYPES[i].size;
            t->dtype = DTYPES[i].dtype;
            snprintf(t->dtype_name, sizeof t->dtype_name, "%s", DTYPES[i].name);
        }
    if (!esize)
        return vkb_fail(ctx, VKBERT_ERROR_MODEL_FORMAT, "%s: tensor \"%s\" has unknown dtype \"%.32s\"", path, name,
                        dt->valuestring);
    int rank = cJSON_GetArraySize(sh);
    if (rank > VKB_MAX_RANK)
        return vkb_fail(ctx, VKBERT_ERROR_MODEL_FORMAT, "%s: tensor \"%s\" has rank %d (at most %d supported)", path,
                        name, rank, VKB_MAX_RANK);
    t->rank = (uint32_t)rank;
    uint64_t count = 1;
    int i = 0;
    for (const cJSON *d = sh->child; d; d = d->next, ++i) {
        uint64_t v;
        if (!json_u64(d, &v))
            return vkb_fail(ctx, VKBERT_ERROR_MODEL_FORMAT,
                            "%s: tensor \"%s\" shape[%d] is not a non-negative integer", path, name, i);
        t->shape[i] = v;
        if (v != 0 && count > UINT64_MAX / v)
            return vkb_fail(ctx, VKBERT_ERROR_MODEL_FORMAT, "%s: tensor \"%s\" shape product overflows", path, name);
        count *= v;
    }
    t->count = count;
    uint64_t b, en;
    if (cJSON_GetArraySize(of) != 2 || !json_u64(of->child, &b) || !json_u64(of->child->next, &en))
        return vkb_fail(ctx, VKBERT_ERROR_MODEL_FORMAT,
                        "%s: tensor \"%s\" data_offsets must be two non-negative integers", path, name);
    if (en < b)
        return vkb_fail(ctx, VKBERT_ERROR_MODEL_FORMAT, "%s: tensor \"%s\" data_offsets [%llu, %llu] are reversed",
                        path, name, (unsigned long long)b, (unsigned long long)en);
    t->begin = b;
    t->end = en;
    if (count > UINT64_MAX / esize || count * esize != en - b)
        return vkb_fail(ctx, VKBERT_ERROR_MODEL_FORMAT,
                        "%s: tensor \"%s\" is %llu elements of %s (%u bytes each) but its data_offsets span %llu bytes",
                        path, name, (unsigned long long)count, t->dtype_name, esize, (unsigned long long)(en - b));
    t->name = vkb_strdup(name);
    if (!t->name) return vkb_fail(ctx, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
    return VKBERT_OK;
}

static vkbert_status check_layout(vkbert_context *ctx, vkb_safetensors *st) {
    uint64_t data_len = st->file_size - st->data_offset;
    if (st->count == 0) {
        if (data_len != 0)
            return vkb_fail(ctx, VKBERT_ERROR_MODEL_FORMAT, "%s: %llu trailing bytes after a header with no tensors",
                            st->path, (unsigned long long)data_len);
        return VKBERT_OK;
    }
    vkb_tensor_info **order = vkb_malloc(st->count * sizeof *order);
    if (!order) return vkb_fail(ctx, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
    for (uint32_t i = 0; i < st->count; ++i) order[i] = &st->tensors[i];
    qsort(order, st->count, sizeof *order, cmp_range);
    vkbert_status s = VKBERT_OK;
    uint64_t pos = 0;
    for (uint32_t i = 0; i < st->count && !s; ++i) {
        const vkb_tensor_info *t = order[i];
        if (t->begin > pos)
            s = vkb_fail(ctx, VKBERT_ERROR_MODEL_FORMAT, "%s: %llu unused bytes (a hole) before tensor \"%s\" at data offset %llu",
                         st->path, (unsigned long long)(t->begin - pos), t->name, (unsigned long long)t->begin);
        else if (t->begin < pos)
            s = vkb_fail(ctx, VKBERT_ERROR_MODEL_FORMAT, "%s: tensor \"%s\" at data offset %llu overlaps the tensor before it",
                         st->path, t->name, (unsigned long long)t->begin);
        pos = t->end;
    }
    if (!s && pos > data_len)
        s = vkb_fail(ctx, VKBERT_ERROR_MODEL_FORMAT,
                     "%s: tensors need %llu data bytes but the file has only %llu after the header (truncated?)",
                     st->path, (unsigned long long)pos, (unsigned long long)data_len);
    if (!s && pos < data_len)
        s = vkb_fail(ctx, VKBERT_ERROR_MODEL_FORMAT, "%s: %llu trailing bytes after the last tensor", st->path,
                     (unsigned long long)(data_len - pos));
    vkb_free(order);
    return s;
}

static vkbert_status parse_header(vkbert_context *ctx, vkb_safetensors *st, const char *hdr, size_t len) {
    size_t bad;
    if (!valid_utf8((const unsigned char *)hdr, len, &bad))
        return vkb_fail(ctx, VKBERT_ERROR_MODEL_FORMAT, "%s: header is not valid UTF-8 (byte %zu of the header)",
                        st->path, bad);
    size_t i = 0;
    while (i < len && (hdr[i] == ' ' || hdr[i] == '\t' || hdr[i] == '\n' || hdr[i] == '\r')) ++i;
    if (i == len || hdr[i] != '{')
        return vkb_fail(ctx, VKBERT_ERROR_MODEL_FORMAT, "%s: header does not start with '{'", st->path);
    char err[256];
    cJSON *root = vkb_json_parse(hdr, len, MAX_JSON_DEPTH, err, sizeof err);
    if (!root) return vkb_fail(ctx, VKBERT_ERROR_MODEL_FORMAT, "%s: header: %s", st->path, err);
    vkbert_status s = VKBERT_OK;
    uint32_t n = 0;
    for (const cJSON *e = root->child; e; e = e->next) n += strcmp(e->string, "__metadata__") != 0;
    st->tensors = vkb_calloc(n ? n : 1, sizeof *st->tensors);
    if (!st->tensors) s = vkb_fail(ctx, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
    for (const cJSON *e = root->child; e && !s; e = e->next) {
        if (strcmp(e->string, "__metadata__") == 0) {
            if (!cJSON_IsObject(e))
                s = vkb_fail(ctx, VKBERT_ERROR_MODEL_FORMAT, "%s: __metadata__ is not an object", st->path);
            for (const cJSON *m = e->child; m && !s; m = m->next)
                if (!cJSON_IsString(m))
                    s = vkb_fail(ctx, VKBERT_ERROR_MODEL_FORMAT, "%s: __metadata__ value \"%.100s\" is not a string",
                                 st->path, m->string);
            continue;
        }
        s = parse_tensor(ctx, st->path, e, &st->tensors[st->count]);
        if (!s) st->count++;
    }
    cJSON_Delete(root);
    if (!s) s = check_layout(ctx, st);
    return s;
}

/* Reads n bytes at offset from the file or memory behind st; false if they are not there. */
static bool source_read(const vkb_safetensors *st, uint64_t offset, void *dst, size_t n) {
    if (offset > st->file_size || n > st->file_size - offset) return false;
    if (st->memory) {
        memcpy(dst, st->memory + offset, n);
        return true;
    }
    FILE *f = st->file;
    return vkb_fseek64(f, offset) == 0 && fread(dst, 1, n, f) == n;
}

/* Header length, header and layout checks, shared by files and memory buffers. */
static vkbert_status open_source(vkbert_context *ctx, vkb_safetensors *st) {
    const char *path = st->path;
    unsigned char len8[8];
    if (st->file_size < 8)
        return vkb_fail(ctx, VKBERT_ERROR_MODEL_FORMAT, "%s is %llu bytes: too short for a safetensors file (needs an "
                        "8-byte header length)", path, (unsigned long long)st->file_size);
    if (!source_read(st, 0, len8, 8))
        return vkb_fail(ctx, VKBERT_ERROR_IO, "%s: cannot read the header length", path);
    uint64_t n = 0;
    for (int i = 7; i >= 0; --i) n = (n << 8) | len8[i];
    if (n > VKB_SAFETENSORS_MAX_HEADER)
        return vkb_fail(ctx, VKBERT_ERROR_MODEL_FORMAT, "%s: header length %llu is over the %u-byte limit", path,
                        (unsigned long long)n, VKB_SAFETENSORS_MAX_HEADER);
    if (n > st->file_size - 8)
        return vkb_fail(ctx, VKBERT_ERROR_MODEL_FORMAT,
                        "%s: header length %llu runs past the end of the file (%llu bytes; truncated?)", path,
                        (unsigned long long)n, (unsigned long long)st->file_size);
    if (n < 2)
        return vkb_fail(ctx, VKBERT_ERROR_MODEL_FORMAT, "%s: header length %llu is too small for a JSON object", path,
                        (unsigned long long)n);
    char *hdr = vkb_malloc((size_t)n + 1);
    if (!hdr)
        return vkb_fail(ctx, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of host memory for a %llu-byte header",
                        (unsigned long long)n);
    vkbert_status s;
    if (!source_read(st, 8, hdr, (size_t)n)) {
        s = vkb_fail(ctx, VKBERT_ERROR_IO, "%s: file ended inside the header (did it change while being read?)", path);
    } else {
        hdr[n] = '\0';
        st->data_offset = 8 + n;
        s = parse_header(ctx, st, hdr, (size_t)n);
    }
    vkb_free(hdr);
    return s;
}

vkbert_status vkb_safetensors_open(vkbert_context *ctx, const char *path, vkb_safetensors *st) {
    memset(st, 0, sizeof *st);
    st->path = vkb_strdup(path);
    if (!st->path) return vkb_fail(ctx, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
    FILE *f = NULL;
    vkbert_status s = vkb_open_regular(path, &f); /* not a FIFO, a device, a directory */
    if (s) {
        vkb_propagate(ctx, s);
        vkb_safetensors_close(st);
        return s;
    }
    /* Unbuffered: every read goes to the file as it is now, so one that shrank is noticed. */
    setvbuf(f, NULL, _IONBF, 0);
    st->file = f;
    if (!vkb_file_size(f, &st->file_size)) s = vkb_fail(ctx, VKBERT_ERROR_IO, "%s is not a regular file", path);
    else s = open_source(ctx, st);
    if (s) vkb_safetensors_close(st);
    return s;
}

vkbert_status vkb_safetensors_open_memory(vkbert_context *ctx, const char *name, const void *data, size_t size,
                                          vkb_safetensors *st) {
    memset(st, 0, sizeof *st);
    st->path = vkb_strdup(name);
    if (!st->path) return vkb_fail(ctx, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
    st->memory = data;
    st->file_size = size;
    vkbert_status s = open_source(ctx, st);
    if (s) vkb_safetensors_close(st);
    return s;
}

void vkb_safetensors_close(vkb_safetensors *st) {
    if (!st) return;
    for (uint32_t i = 0; i < st->count; ++i) vkb_free(st->tensors[i].name);
    vkb_free(st->tensors);
    vkb_free(st->path);
    if (st->file) fclose(st->file);
    memset(st, 0, sizeof *st);
}

const vkb_tensor_info *vkb_safetensors_find(const vkb_safetensors *st, const char *name) {
    for (uint32_t i = 0; i < st->count; ++i)
        if (strcmp(st->tensors[i].name, name) == 0) return &st->tensors[i];
    return NULL;
}

vkbert_status vkb_safetensors_read_f32(vkbert_context *ctx, const vkb_safetensors *st, const vkb_tensor_info *t,
                                       float *dst) {
    if (t->dtype == VKB_OTHER)
        return vkb_fail(ctx, VKBERT_ERROR_UNSUPPORTED, "%s: tensor \"%s\" has dtype %s; vkbert reads F32, F16 and BF16",
                        st->path, t->name, t->dtype_name);
    vkbert_status s = VKBERT_OK;
    uint64_t at = st->data_offset + t->begin;
    if (t->dtype == VKB_F32) {
        if (!source_read(st, at, dst, (size_t)(t->end - t->begin))) s = VKBERT_ERROR_IO;
    } else {
        /* 16-bit: read in chunks and convert */
        uint8_t buf[8192];
        size_t done = 0, n = (size_t)t->count;
        while (done < n && !s) {
            size_t m = n - done < 4096 ? n - done : 4096;
            if (!source_read(st, at + 2 * (uint64_t)done, buf, 2 * m)) {
                s = VKBERT_ERROR_IO;
                break;
            }
            for (size_t i = 0; i < m; ++i) {
                uint16_t v = (uint16_t)(buf[2 * i] | buf[2 * i + 1] << 8);
                dst[done + i] = t->dtype == VKB_F16 ? vkb_half_to_float(v) : vkb_bf16_to_float(v);
            }
            done += m;
        }
    }
    if (s == VKBERT_ERROR_IO)
        s = vkb_fail(ctx, VKBERT_ERROR_IO, "%s: file ended inside tensor \"%s\" (did it change after it was opened?)",
                     st->path, t->name);
    return s;
}
