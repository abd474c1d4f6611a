package android.content.res;

/** Test stand-in for Android's AssetManager: the assets are the files under root
 * (tests/android_host/fake_ndk.c reads them). */
public final class AssetManager {
    final String root;

    public AssetManager(String root) {
        this.root = root;
    }
}
