package org.byteswarm.demo.core

/** Raised when a model's contract is missing, of another version, or not what the app needs. */
class ContractException(message: String) : Exception(message)

/**
 * The `byteswarm.*` properties an export writes into the ONNX metadata (export/contract.py).
 * Flat strings: lists are comma-separated, symbolic dimensions (e.g. `batch`) stay names.
 */
class ModelContract private constructor(val props: Map<String, String>) {
    companion object {
        const val PREFIX = "byteswarm."
        const val VERSION = "1"
        private val REQUIRED = listOf(
            "contract_version", "model", "task", "variant", "inputs", "outputs", "labels",
            "weights_sha256", "source_sha256", "opset", "ir_version",
        )

        /** From onnxruntime's custom metadata map (OnnxModelMetadata.getCustomMetadata()). */
        fun fromMetadata(custom: Map<String, String>): ModelContract {
            val ours = custom.filterKeys { it.startsWith(PREFIX) }.toSortedMap()
            val missing = REQUIRED.filter { PREFIX + it !in ours }
            if (missing.isNotEmpty()) {
                throw ContractException("no byteswarm contract (missing ${missing.joinToString()})")
            }
            val contract = ModelContract(ours)
            if (contract.get("contract_version") != VERSION) {
                throw ContractException("contract version ${contract.get("contract_version")}")
            }
            return contract
        }
    }

    fun get(name: String): String =
        props[PREFIX + name] ?: throw ContractException("contract lacks $PREFIX$name")

    fun list(name: String): List<String> = get(name).let { if (it.isEmpty()) emptyList() else it.split(",") }

    val model: String get() = get("model")
    val task: String get() = get("task")
    val inputs: List<String> get() = list("inputs")
    val outputs: List<String> get() = list("outputs")
    val labels: List<String> get() = list("labels")
    val promptInputs: List<String>
        get() = if (PREFIX + "prompt.inputs" in props) list("prompt.inputs") else emptyList()

    /** Declared shape; a symbolic dimension becomes null. */
    fun shape(ioName: String): List<Long?> {
        val kind = if (ioName in inputs) "input" else "output"
        return list("$kind.$ioName.shape").map { it.toLongOrNull() }
    }

    /** Shape with symbolic dimensions replaced by [batch]. */
    fun concreteShape(ioName: String, batch: Long = 1): LongArray =
        shape(ioName).map { it ?: batch }.toLongArray()
}
