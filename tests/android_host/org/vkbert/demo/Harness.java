package org.vkbert.demo;

import android.content.res.AssetManager;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Calls the app's Vkbert.fillMask as MainActivity does (tests/test_android_jni.py).
 *   Harness ASSETS_ROOT CACHE_DIR TEXTS_FILE THREADS [TRIGGER_FILE]
 * TEXTS_FILE holds one UTF-8 text per line. Prints each result followed by a line "=====";
 * TRIGGER_FILE is created just before the second text's call (tests/vulkan_shim.c then
 * fails the next queue submission with a device loss);
 * then, with THREADS > 0, calls fillMask for every text from THREADS threads at once and
 * prints "concurrent: N calls, M differ" (M: results unlike the first, sequential ones).
 */
public final class Harness {
    public static void main(String[] args) throws Exception {
        AssetManager assets = new AssetManager(args[0]);
        String cacheDir = args[1];
        List<String> texts = Files.readAllLines(Paths.get(args[2]), StandardCharsets.UTF_8);
        int threads = Integer.parseInt(args[3]);
        PrintStream out = new PrintStream(System.out, true, "UTF-8");
        List<String> first = new ArrayList<>();
        for (String text : texts) {
            if (first.size() == 1 && args.length > 4) Files.createFile(Paths.get(args[4]));
            String r = Vkbert.fillMask(assets, text, cacheDir);
            first.add(r);
            out.print(r);
            out.print("\n=====\n");
        }
        if (threads > 0) {
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            List<Future<String>> results = new ArrayList<>();
            for (int t = 0; t < threads; ++t)
                for (String text : texts)
                    results.add(pool.submit(() -> Vkbert.fillMask(assets, text, cacheDir)));
            int differ = 0;
            for (int i = 0; i < results.size(); ++i)
                if (!results.get(i).get().equals(first.get(i % texts.size()))) differ++;
            pool.shutdown();
            out.printf("concurrent: %d calls, %d differ%n", results.size(), differ);
        }
    }
}
