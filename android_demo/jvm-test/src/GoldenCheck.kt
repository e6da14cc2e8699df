// JVM contract test for the app's core against the goldens written by `byteswarm export`.
// Runs with the ai.onnxruntime stand-in (../ortstub): it checks contract parsing from the
// real model file's metadata, preprocessing, prompt splitting and top-3; it cannot run the
// graph, so logits come from the golden outputs (onnxruntime in Python and Node check those).
// Usage: GoldenCheck <device.onnx> <device.golden dir> [<file that must be refused>...]
import ai.onnxruntime.OrtException
import java.io.File
import kotlin.system.exitProcess
import org.byteswarm.demo.core.ContractException
import org.byteswarm.demo.core.DigitClassifier
import org.byteswarm.demo.core.NpyArray
import org.byteswarm.demo.core.Prompt
import org.byteswarm.demo.core.topK

private var failures = 0

private fun check(ok: Boolean, what: String) {
    println((if (ok) "ok " else "FAIL ") + what)
    if (!ok) failures++
}

private fun npy(dir: File, name: String) = NpyArray.parse(File(dir, name).readBytes())

private fun sameBits(a: FloatArray, b: FloatArray) =
    a.size == b.size && a.indices.all { a[it].toRawBits() == b[it].toRawBits() }

fun main(args: Array<String>) {
    val model = File(args[0])
    val golden = File(args[1])
    val classifier = DigitClassifier(model.readBytes())
    val contract = classifier.contract
    for ((k, v) in contract.props) println("contract $k=$v")

    // Preprocessing: raw 8x8 digits -> model input, bit for bit.
    val digits = npy(golden, "extra.digits_8x8.npy")
    val expected = npy(golden, "input.image.npy").floats()
    val n = digits.shape[0]
    val h = digits.shape[1]
    val w = digits.shape[2]
    val raw = digits.floats()
    val side = classifier.preprocessor.side
    val mine = FloatArray(n * side * side)
    for (i in 0 until n) {
        classifier.preprocessor.apply(raw.copyOfRange(i * h * w, (i + 1) * h * w), h, w)
            .copyInto(mine, i * side * side)
    }
    check(sameBits(mine, expected), "preprocess $n digits ${h}x$w -> ${side}x$side bit-exact")

    // The neutral prompt the classifier starts with equals the neutral golden inputs.
    for (name in contract.promptInputs) {
        check(sameBits(classifier.prompt.parts.getValue(name), npy(golden, "input.$name.npy").floats()),
            "neutral prompt part $name")
    }
    // A replaceable prompt file: flat .npy -> the graph inputs of the prompted golden run.
    val promptFile = File(golden, "extra.prompt_flat.npy").readBytes()
    classifier.updatePrompt(promptFile)
    for (name in contract.promptInputs) {
        val want = npy(golden, "prompted.input.$name.npy").floats()
        check(sameBits(classifier.prompt.parts.getValue(name), want), "prompt file split part $name")
    }
    val bad = try {
        Prompt.fromFlat(FloatArray(3), contract)
        false
    } catch (e: ContractException) {
        true
    }
    check(bad, "prompt of the wrong size refused")

    // Top-3 from the golden logits.
    for (set in listOf("", "prompted.")) {
        val logits = npy(golden, "${set}output.logits.npy")
        val classes = logits.shape[1]
        val values = logits.floats()
        for (row in 0 until logits.shape[0]) {
            val top = topK(values.copyOfRange(row * classes, (row + 1) * classes), contract.labels)
            println("top3 ${set.ifEmpty { "plain." }}$row ${top.joinToString(",") { it.label }} " +
                top.joinToString(",") { "%.6f".format(it.probability) })
        }
    }

    // The stand-in cannot execute: the call must reach session.run with the contract's inputs.
    val reached = try {
        classifier.classify(raw.copyOfRange(0, h * w), h, w)
        false
    } catch (e: OrtException) {
        e.message?.contains("stand-in") == true
    }
    check(reached, "classify reaches session.run with the contract's input names")

    for (path in args.drop(2)) {
        val refused = try {
            DigitClassifier(File(path).readBytes())
            false
        } catch (e: ContractException) {
            println("refused ${File(path).name}: ${e.message}")
            true
        } catch (e: OrtException) {
            println("refused ${File(path).name}: ${e.message}")
            true
        }
        check(refused, "foreign model ${File(path).name} refused")
    }
    println(if (failures == 0) "GOLDEN CHECK PASSED" else "GOLDEN CHECK FAILED ($failures)")
    exitProcess(if (failures == 0) 0 else 1)
}
