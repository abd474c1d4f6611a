package org.vkbert.demo;

import android.content.res.AssetManager;

import java.nio.charset.StandardCharsets;

/** vkbert's native layer (libvkbert_jni.so, apps/android/app/src/main/cpp/vkbert_jni.c). */
final class Vkbert {
    static {
        System.loadLibrary("vkbert_jni");
    }

    private Vkbert() {}

    /*
     * Text crosses JNI as UTF-8 bytes both ways: JNI's String functions use "modified UTF-8",
     * in which a character outside the Basic Multilingual Plane (an emoji; some vocabularies'
     * CJK tokens) is not valid, and CheckJNI aborts the app on it.
     */
    private static native byte[] nativeFillMask(AssetManager assets, byte[] utf8Text, String cacheDir);

    /**
     * The top-5 predictions for every [MASK] in text, or a line starting with "error:". The
     * first call loads the model from assets/model/ (later calls reuse it); calls from several
     * threads take turns.
     */
    static String fillMask(AssetManager assets, String text, String cacheDir) {
        byte[] result = nativeFillMask(assets, text.getBytes(StandardCharsets.UTF_8), cacheDir);
        return new String(result, StandardCharsets.UTF_8);
    }
}
