/* Host stand-ins for the NDK functions the Android demo's JNI layer calls
 * (apps/android/app/src/main/cpp/vkbert_jni.c), so that the layer runs unchanged in a desktop
 * JVM (tests/test_android_jni.py). The Java AssetManager is the test's stub
 * (tests/android_host/android/content/res/AssetManager.java), whose `root` field names a
 * directory; an asset opened with AASSET_MODE_BUFFER is read whole into memory, as Android
 * does for a compressed asset (an uncompressed one is mapped in place). */
#include <android/asset_manager.h>
#include <android/asset_manager_jni.h>
#include <android/log.h>
#include <jni.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct AAssetManager {
    char root[1024];
};

struct AAsset {
    void *data;
    off64_t size;
};

/* Managers live for the process, one per root directory (as Android's live with the app). */
#define MAX_MANAGERS 8
static AAssetManager g_managers[MAX_MANAGERS];
static int g_manager_count;
static pthread_mutex_t g_managers_lock = PTHREAD_MUTEX_INITIALIZER;

AAssetManager *AAssetManager_fromJava(JNIEnv *env, jobject assets) {
    jclass cls = (*env)->GetObjectClass(env, assets);
    jfieldID fid = cls ? (*env)->GetFieldID(env, cls, "root", "Ljava/lang/String;") : NULL;
    jstring root = fid ? (jstring)(*env)->GetObjectField(env, assets, fid) : NULL;
    const char *s = root ? (*env)->GetStringUTFChars(env, root, NULL) : NULL;
    AAssetManager *found = NULL;
    if (s && strlen(s) < sizeof g_managers[0].root) {
        pthread_mutex_lock(&g_managers_lock);
        for (int i = 0; i < g_manager_count && !found; ++i)
            if (!strcmp(g_managers[i].root, s)) found = &g_managers[i];
        if (!found && g_manager_count < MAX_MANAGERS) {
            found = &g_managers[g_manager_count++];
            strcpy(found->root, s);
        }
        pthread_mutex_unlock(&g_managers_lock);
    }
    if (s) (*env)->ReleaseStringUTFChars(env, root, s);
    return found;
}

AAsset *AAssetManager_open(AAssetManager *mgr, const char *filename, int mode) {
    if (!mgr || mode != AASSET_MODE_BUFFER) return NULL; /* the JNI layer only reads whole buffers */
    char path[2048];
    snprintf(path, sizeof path, "%s/%s", mgr->root, filename);
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    AAsset *a = calloc(1, sizeof *a);
    long n = -1;
    if (a && fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
        a->data = malloc(n ? (size_t)n : 1);
        if (a->data && fread(a->data, 1, (size_t)n, f) == (size_t)n) a->size = n;
        else n = -1;
    }
    fclose(f);
    if (n < 0) {
        if (a) free(a->data);
        free(a);
        return NULL;
    }
    return a;
}

const void *AAsset_getBuffer(AAsset *asset) { return asset->data; }

off64_t AAsset_getLength64(AAsset *asset) { return asset->size; }

void AAsset_close(AAsset *asset) {
    if (!asset) return;
    free(asset->data);
    free(asset);
}

int __android_log_print(int prio, const char *tag, const char *fmt, ...) {
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return fprintf(stderr, "logcat %d/%s: %s\n", prio, tag, msg);
}
