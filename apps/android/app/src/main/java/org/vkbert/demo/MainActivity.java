package org.vkbert.demo;

import android.app.Activity;
import android.content.res.AssetManager;
import android.os.Bundle;
import android.widget.Button;
import android.widget.EditText;
import android.widget.LinearLayout;
import android.widget.TextView;

/** Fill-mask with vkbert on this phone's Vulkan GPU, on the model in assets/model/. */
public class MainActivity extends Activity {
    @Override
    protected void onCreate(Bundle state) {
        super.onCreate(state);
        LinearLayout layout = new LinearLayout(this);
        layout.setOrientation(LinearLayout.VERTICAL);
        layout.setPadding(32, 32, 32, 32);
        EditText input = new EditText(this);
        input.setText("The capital of France is [MASK].");
        Button run = new Button(this);
        run.setText("Fill mask");
        TextView output = new TextView(this);
        output.setTextIsSelectable(true);
        output.setTypeface(android.graphics.Typeface.MONOSPACE);
        layout.addView(input);
        layout.addView(run);
        layout.addView(output);
        setContentView(layout);

        String cacheDir = getCacheDir().getAbsolutePath();
        AssetManager assets = getAssets();
        run.setOnClickListener(v -> {
            run.setEnabled(false);
            output.setText("running (the first run loads the model)...");
            String text = input.getText().toString();
            new Thread(() -> {
                String result = Vkbert.fillMask(assets, text, cacheDir);
                runOnUiThread(() -> {
                    output.setText(result);
                    run.setEnabled(true);
                });
            }).start();
        });
    }
}
