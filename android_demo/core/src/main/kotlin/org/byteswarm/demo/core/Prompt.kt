package org.byteswarm.demo.core

/**
 * The current prompt: one float array per prompt graph input, in the contract's order.
 * Loaded from a flat float32 `.npy` file, so a new prompt needs no re-export.
 */
class Prompt private constructor(val parts: LinkedHashMap<String, FloatArray>) {
    companion object {
        /** Splits a flat prompt by the shapes the contract declares for the prompt inputs. */
        fun fromFlat(flat: FloatArray, contract: ModelContract): Prompt {
            val expected = contract.get("prompt.size").toInt()
            if (flat.size != expected) throw ContractException("prompt has ${flat.size} values, not $expected")
            if (flat.any { !it.isFinite() }) throw ContractException("prompt has non-finite values")
            val parts = LinkedHashMap<String, FloatArray>()
            var start = 0
            for (name in contract.promptInputs) {
                val n = contract.concreteShape(name).fold(1L) { a, b -> a * b }.toInt()
                parts[name] = flat.copyOfRange(start, start + n)
                start += n
            }
            if (start != flat.size) throw ContractException("prompt inputs cover $start of ${flat.size}")
            return Prompt(parts)
        }

        fun fromNpy(bytes: ByteArray, contract: ModelContract): Prompt =
            fromFlat(NpyArray.parse(bytes).floats(), contract)
    }
}
