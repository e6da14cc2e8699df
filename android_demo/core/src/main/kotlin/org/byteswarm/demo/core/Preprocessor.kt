package org.byteswarm.demo.core

/**
 * Turns a grayscale image (values in [0, 1], ink bright) into the model's image input, exactly
 * as the contract says: bilinear resize (half-pixel centres, edge clamp) to side × side,
 * rounding to uint8 (half to even), division by the divisor. Float32 arithmetic in the same
 * order as the Python reference, so results match it bit for bit.
 */
class Preprocessor(contract: ModelContract) {
    val side: Int = contract.get("preprocess.side").toInt()
    private val divisor: Float = contract.get("preprocess.divisor").toFloat()

    init {
        expect(contract, "preprocess.resize", "bilinear,half-pixel-centres,edge-clamp")
        expect(contract, "preprocess.quantize", "uint8,round-half-even,clip")
        expect(contract, "preprocess.layout", "NCHW")
    }

    private fun expect(contract: ModelContract, key: String, value: String) {
        val found = contract.get(key)
        if (found != value) throw ContractException("unsupported $key: $found")
    }

    /** Row-major (height × width) pixels -> side × side model input. */
    fun apply(gray: FloatArray, height: Int, width: Int): FloatArray {
        require(gray.size == height * width) { "pixel count ${gray.size} != $height x $width" }
        val rows = resizeAxis(height, side)
        val cols = resizeAxis(width, side)
        val tmp = FloatArray(side * width)
        for (r in 0 until side) {
            val t = rows.t[r]
            val u = 1f - t
            for (c in 0 until width) {
                tmp[r * width + c] = gray[rows.lo[r] * width + c] * u + gray[rows.hi[r] * width + c] * t
            }
        }
        val out = FloatArray(side * side)
        for (r in 0 until side) {
            for (c in 0 until side) {
                val t = cols.t[c]
                val v = tmp[r * width + cols.lo[c]] * (1f - t) + tmp[r * width + cols.hi[c]] * t
                val q = Math.rint(v.toDouble() * 255.0).coerceIn(0.0, 255.0)
                out[r * side + c] = q.toFloat() / divisor
            }
        }
        return out
    }

    private class Axis(val lo: IntArray, val hi: IntArray, val t: FloatArray)

    private fun resizeAxis(nIn: Int, nOut: Int): Axis {
        val lo = IntArray(nOut)
        val hi = IntArray(nOut)
        val t = FloatArray(nOut)
        for (i in 0 until nOut) {
            val pos = ((i + 0.5) * nIn / nOut - 0.5).coerceIn(0.0, nIn - 1.0)
            lo[i] = Math.floor(pos).toInt()
            hi[i] = minOf(lo[i] + 1, nIn - 1)
            t[i] = (pos - lo[i]).toFloat()
        }
        return Axis(lo, hi, t)
    }
}
