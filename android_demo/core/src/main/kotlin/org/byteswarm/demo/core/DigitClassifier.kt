package org.byteswarm.demo.core

import ai.onnxruntime.OnnxTensor
import ai.onnxruntime.OrtEnvironment
import ai.onnxruntime.OrtSession
import java.nio.FloatBuffer

/**
 * The app's inference core (no android.* imports): loads a byteswarm device model, reads its
 * contract from the model metadata, preprocesses per contract, feeds the current prompt as
 * the prompt graph inputs and returns the top-3 labels.
 */
class DigitClassifier(modelBytes: ByteArray, promptNpy: ByteArray? = null) : AutoCloseable {
    private val env: OrtEnvironment = OrtEnvironment.getEnvironment()
    private val session: OrtSession
    val contract: ModelContract
    val preprocessor: Preprocessor
    var prompt: Prompt
        private set

    init {
        val options = OrtSession.SessionOptions()
        options.setIntraOpNumThreads(1)
        session = env.createSession(modelBytes, options)
        contract = ModelContract.fromMetadata(session.metadata.customMetadata)
        if (contract.model != "device") throw ContractException("not a device model: ${contract.model}")
        if (session.inputNames != contract.inputs.toSet()) {
            throw ContractException("graph inputs ${session.inputNames} != contract ${contract.inputs}")
        }
        preprocessor = Preprocessor(contract)
        prompt = if (promptNpy != null) Prompt.fromNpy(promptNpy, contract) else neutralPrompt()
    }

    /** Replace the prompt (e.g. one pushed by a cloud peer) without touching the model. */
    fun updatePrompt(promptNpy: ByteArray) {
        prompt = Prompt.fromNpy(promptNpy, contract)
    }

    private fun neutralPrompt(): Prompt {
        val values = ArrayList<Float>()
        for (name in contract.promptInputs) {
            val shape = contract.concreteShape(name)
            val n = shape.fold(1L) { a, b -> a * b }.toInt()
            val neutral = contract.get("prompt.input.$name.neutral")
            val part = if (neutral == "identity") {
                FloatArray(n).also { it[(shape[shape.size - 2] / 2 * shape.last() + shape.last() / 2).toInt()] = 1f }
            } else {
                FloatArray(n) { neutral.toFloat() }
            }
            values.addAll(part.toList())
        }
        return Prompt.fromFlat(values.toFloatArray(), contract)
    }

    fun classify(gray: FloatArray, height: Int, width: Int, k: Int = 3): List<Scored> {
        val pixels = preprocessor.apply(gray, height, width)
        val imageName = contract.inputs.first { it !in contract.promptInputs }
        val tensors = LinkedHashMap<String, OnnxTensor>()
        try {
            tensors[imageName] = OnnxTensor.createTensor(env, FloatBuffer.wrap(pixels), contract.concreteShape(imageName))
            for ((name, values) in prompt.parts) {
                tensors[name] = OnnxTensor.createTensor(env, FloatBuffer.wrap(values), contract.concreteShape(name))
            }
            session.run(tensors).use { result ->
                val logits = (result.get(0) as OnnxTensor).floatBuffer
                val row = FloatArray(logits.remaining()).also { logits.get(it) }
                return topK(row, contract.labels, k)
            }
        } finally {
            tensors.values.forEach { it.close() }
        }
    }

    override fun close() {
        session.close()
    }
}
