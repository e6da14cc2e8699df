package org.byteswarm.demo

import android.app.Activity
import android.os.Bundle
import android.widget.Button
import android.widget.LinearLayout
import android.widget.TextView
import java.io.File
import org.byteswarm.demo.core.DigitClassifier
import org.byteswarm.demo.core.NpyArray
import org.byteswarm.demo.core.Scored

/**
 * Loads assets/device.onnx (contract read from its metadata), the prompt from
 * files/prompt.npy if present (a newer prompt pushed to the device) else assets/prompt.npy,
 * and classifies the bundled digits (assets/digits.npy) or what the user draws.
 */
class MainActivity : Activity() {
    private lateinit var classifier: DigitClassifier
    private lateinit var result: TextView
    private var bundledIndex = 0

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        val local = File(filesDir, "prompt.npy")
        val prompt = if (local.exists()) local.readBytes() else assets.open("prompt.npy").use { it.readBytes() }
        classifier = DigitClassifier(assets.open("device.onnx").use { it.readBytes() }, prompt)
        val digits = NpyArray.parse(assets.open("digits.npy").use { it.readBytes() })

        result = TextView(this).apply { textSize = 20f }
        lateinit var draw: DrawView
        draw = DrawView(this) {
            val (gray, h, w) = draw.grayscale()
            show("drawn", classifier.classify(gray, h, w))
        }
        val next = Button(this).apply {
            text = "bundled digit"
            setOnClickListener {
                val (n, h, w) = Triple(digits.shape[0], digits.shape[1], digits.shape[2])
                val i = bundledIndex++ % n
                val raw = digits.floats().copyOfRange(i * h * w, (i + 1) * h * w)
                show("bundled #$i", classifier.classify(raw, h, w))
            }
        }
        val clear = Button(this).apply { text = "clear"; setOnClickListener { draw.clear() } }
        setContentView(LinearLayout(this).apply {
            orientation = LinearLayout.VERTICAL
            addView(draw)
            addView(next)
            addView(clear)
            addView(result)
        })
        result.text = "model ${classifier.contract.task} (${classifier.contract.get("variant")}), " +
            "prompt ${classifier.contract.get("prompt.family")}"
    }

    private fun show(what: String, top: List<Scored>) {
        result.text = "$what: " + top.joinToString("   ") { "${it.label} ${"%.1f".format(100 * it.probability)}%" }
    }

    override fun onDestroy() {
        classifier.close()
        super.onDestroy()
    }
}
