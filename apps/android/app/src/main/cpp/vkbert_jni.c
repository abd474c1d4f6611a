/* JNI layer of the Android demo: loads the model from the APK's assets (through
 * vkbert_model_files, reading uncompressed assets in place), keeps the context and model
 * for later calls, and formats fill-mask results as text. */
#include <vkbert.h>

#include <android/asset_manager.h>
#include <android/asset_manager_jni.h>
#include <android/log.h>
#include <jni.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TAG "vkbert"
#define MAX_TOKENS 512

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static vkbert_context *g_ctx;
static vkbert_model *g_model;

static void on_log(vkbert_log_level level, const char *msg, void *user) {
    (void)user;
    int prio = level >= VKBERT_LOG_ERROR ? ANDROID_LOG_ERROR : level >= VKBERT_LOG_WARNING ? ANDROID_LOG_WARN
                                                                                           : ANDROID_LOG_INFO;
    __android_log_print(prio, TAG, "%s", msg);
}

typedef struct asset_buf {
    AAsset *asset;
    const void *data;
    size_t size;
} asset_buf;

/* Opens assets/model/<name>; `optional` assets may be missing. */
static int open_asset(AAssetManager *mgr, const char *name, bool optional, asset_buf *out, char *err, size_t errlen) {
    char path[128];
    snprintf(path, sizeof path, "model/%s", name);
    memset(out, 0, sizeof *out);
    out->asset = AAssetManager_open(mgr, path, AASSET_MODE_BUFFER);
    if (!out->asset) {
        if (!optional) snprintf(err, errlen, "error: assets/%s is missing (see assets/model/README.md)", path);
        return optional ? 0 : -1;
    }
    out->data = AAsset_getBuffer(out->asset);
    off64_t n = AAsset_getLength64(out->asset);
    if (!out->data || n < 0 || (unsigned long long)n > (size_t)-1) {
        snprintf(err, errlen, "error: cannot read assets/%s", path);
        return -1;
    }
    out->size = (size_t)n;
    return 0;
}

/* Forgets the model and context (after a device loss). */
static void release_model(void) {
    vkbert_model_destroy(g_model);
    vkbert_context_destroy(g_ctx);
    g_model = NULL;
    g_ctx = NULL;
}

/* Creates the context and loads the model once. */
static int ensure_model(AAssetManager *mgr, const char *cache_dir, char *err, size_t errlen) {
    if (g_model) return 0;
    char cache[1024];
    snprintf(cache, sizeof cache, "%s/vkbert-pipelines.bin", cache_dir);
    vkbert_context_desc cd = {.pipeline_cache_path = cache, .log = on_log};
    if (vkbert_context_create(&cd, &g_ctx)) {
        snprintf(err, errlen, "error: %s", vkbert_last_error());
        return -1;
    }
    asset_buf cfg = {0}, vocab = {0}, tcfg = {0}, weights = {0};
    int rc = open_asset(mgr, "config.json", false, &cfg, err, errlen);
    if (!rc) rc = open_asset(mgr, "vocab.txt", false, &vocab, err, errlen);
    if (!rc) rc = open_asset(mgr, "tokenizer_config.json", true, &tcfg, err, errlen);
    if (!rc) rc = open_asset(mgr, "model.safetensors", false, &weights, err, errlen);
    if (!rc) {
        vkbert_model_files f = {cfg.data, cfg.size, vocab.data, vocab.size, tcfg.data, tcfg.size,
                                weights.data, weights.size};
        if (vkbert_model_load(g_ctx, &(vkbert_model_desc){.files = &f}, &g_model)) {
            snprintf(err, errlen, "error: %s", vkbert_context_last_error(g_ctx));
            rc = -1;
        }
    }
    asset_buf *all[] = {&cfg, &vocab, &tcfg, &weights};
    for (int i = 0; i < 4; ++i)
        if (all[i]->asset) AAsset_close(all[i]->asset);
    if (rc) {
        vkbert_context_destroy(g_ctx);
        g_ctx = NULL;
    }
    return rc;
}

/* Appends printf-style text to buf (of cap bytes) at *len. */
static void append(char *buf, size_t cap, size_t *len, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void append(char *buf, size_t cap, size_t *len, const char *fmt, ...) {
    if (*len >= cap) return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf + *len, cap - *len, fmt, ap);
    va_end(ap);
    if (n > 0) *len += (size_t)n < cap - *len ? (size_t)n : cap - *len - 1;
}

static void fill_mask(const char *text, size_t text_bytes, char *out, size_t cap) {
    const vkbert_tokenizer *tok = vkbert_model_tokenizer(g_model);
    int32_t ids[MAX_TOKENS], types[MAX_TOKENS];
    size_t count = 0, len = 0;
    uint32_t positions = vkbert_model_get_config(g_model)->max_tokens;
    vkbert_status st = vkbert_tokenizer_encode_bytes(tok, text, text_bytes, NULL, 0, ids, types, MAX_TOKENS, &count);
    if (st == VKBERT_OK && count > positions) st = VKBERT_ERROR_TOO_LONG;
    if (st) {
        snprintf(out, cap, "error: %s", st == VKBERT_ERROR_TOO_LONG && !*vkbert_last_error()
                                             ? "the text is longer than the model's positions"
                                             : vkbert_last_error());
        return;
    }
    vkbert_session *s = NULL;
    st = vkbert_session_create(g_model, &(vkbert_session_desc){.max_seq = (uint32_t)count, .top_k = 5}, &s);
    vkbert_sequence input = {.input_ids = ids, .token_type_ids = types, .length = (uint32_t)count};
    if (!st) st = vkbert_session_encode(s, &input, 1);
    if (st) {
        snprintf(out, cap, "error: %s", vkbert_context_last_error(g_ctx));
        vkbert_session_destroy(s);
        if (st == VKBERT_ERROR_DEVICE_LOST) {
            /* The GPU was reset (a driver watchdog, say): the context can never run again.
             * Drop it; the next request creates a new one and reloads the model. */
            len = strlen(out);
            append(out, cap, &len, " (the GPU was reset: the next request starts again)");
            release_model();
        }
        return;
    }
    uint32_t rows = vkbert_session_head_row_count(s);
    if (rows == 0) append(out, cap, &len, "error: the text has no [MASK]");
    for (uint32_t r = 0; r < rows; ++r) {
        uint32_t seq = 0, pos = 0;
        vkbert_prediction p[5];
        size_t k = 0;
        vkbert_session_head_row(s, r, &seq, &pos);
        if (vkbert_session_read_topk(s, r, p, 5, &k)) continue;
        append(out, cap, &len, "[MASK] at token %u:\n", pos);
        for (size_t i = 0; i < k && i < 5; ++i)
            append(out, cap, &len, "  %-16s %.3f\n", vkbert_tokenizer_token(tok, p[i].id), (double)p[i].probability);
    }
    append(out, cap, &len, "\n%s", vkbert_context_device(g_ctx)->name);
    vkbert_session_destroy(s);
    /* The app's process is killed, never destroying the context: write the pipeline cache
     * now (it does nothing when no pipeline was created since the last write). */
    if (vkbert_context_save_pipeline_cache(g_ctx))
        __android_log_print(ANDROID_LOG_WARN, TAG, "%s", vkbert_context_last_error(g_ctx));
}

/* Text crosses as UTF-8 bytes both ways (String.getBytes(UTF_8) in, new String(bytes, UTF_8)
 * out): JNI's NewStringUTF takes "modified UTF-8", in which a 4-byte UTF-8 character (an
 * emoji, a token of some vocabularies) is invalid and CheckJNI aborts the app. Returns NULL
 * only when the array cannot be made (an OutOfMemoryError is then pending in Java). */
JNIEXPORT jbyteArray JNICALL Java_org_vkbert_demo_Vkbert_nativeFillMask(JNIEnv *env, jclass cls, jobject assets,
                                                                        jbyteArray text, jstring cache_dir) {
    (void)cls;
    char out[4096] = "";
    jsize n = text ? (*env)->GetArrayLength(env, text) : 0;
    jbyte *t = text ? (*env)->GetByteArrayElements(env, text, NULL) : NULL;
    const char *dir = cache_dir ? (*env)->GetStringUTFChars(env, cache_dir, NULL) : NULL;
    AAssetManager *mgr = assets ? AAssetManager_fromJava(env, assets) : NULL;
    pthread_mutex_lock(&g_lock);
    if (!t || !dir || !mgr) snprintf(out, sizeof out, "error: bad arguments");
    else if (ensure_model(mgr, dir, out, sizeof out) == 0) fill_mask((const char *)t, (size_t)n, out, sizeof out);
    pthread_mutex_unlock(&g_lock);
    if (t) (*env)->ReleaseByteArrayElements(env, text, t, JNI_ABORT);
    if (dir) (*env)->ReleaseStringUTFChars(env, cache_dir, dir);
    jsize len = (jsize)strlen(out);
    jbyteArray result = (*env)->NewByteArray(env, len);
    if (result) (*env)->SetByteArrayRegion(env, result, 0, len, (const jbyte *)out);
    return result;
}
