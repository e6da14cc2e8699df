package org.byteswarm.demo.core

data class Scored(val index: Int, val label: String, val probability: Float)

/** Softmax over one row of logits, the k most probable labels (ties: lower index first). */
fun topK(logits: FloatArray, labels: List<String>, k: Int = 3): List<Scored> {
    require(logits.size == labels.size) { "${logits.size} logits for ${labels.size} labels" }
    val max = logits.maxOrNull() ?: return emptyList()
    val exp = logits.map { Math.exp((it - max).toDouble()) }
    val total = exp.sum()
    return logits.indices
        .sortedWith(compareByDescending<Int> { logits[it] }.thenBy { it })
        .take(k)
        .map { Scored(it, labels[it], (exp[it] / total).toFloat()) }
}
