package org.byteswarm.demo.core

import java.nio.ByteBuffer
import java.nio.ByteOrder

/** A little-endian `.npy` array (version 1/2 header): float32, uint8 or int64, C order. */
class NpyArray(val shape: IntArray, val descr: String, private val body: ByteBuffer) {
    val size: Int get() = shape.fold(1) { a, b -> a * b }

    fun floats(): FloatArray {
        require(descr == "<f4") { "not float32: $descr" }
        return FloatArray(size).also { body.duplicate().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(it) }
    }

    fun longs(): LongArray {
        require(descr == "<i8") { "not int64: $descr" }
        return LongArray(size).also { body.duplicate().order(ByteOrder.LITTLE_ENDIAN).asLongBuffer().get(it) }
    }

    companion object {
        private val MAGIC = byteArrayOf(0x93.toByte(), 'N'.code.toByte(), 'U'.code.toByte(),
            'M'.code.toByte(), 'P'.code.toByte(), 'Y'.code.toByte())

        fun parse(bytes: ByteArray): NpyArray {
            require(bytes.size > 10 && bytes.copyOfRange(0, 6).contentEquals(MAGIC)) { "not a .npy file" }
            val major = bytes[6].toInt()
            val buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN)
            val (headerLen, start) = if (major == 1) {
                (buf.getShort(8).toInt() and 0xffff) to 10
            } else {
                buf.getInt(8) to 12
            }
            val header = String(bytes, start, headerLen, Charsets.ISO_8859_1)
            val descr = Regex("'descr':\\s*'([^']+)'").find(header)?.groupValues?.get(1)
                ?: throw IllegalArgumentException("npy header without descr")
            require(!header.contains("'fortran_order': True")) { "fortran order not supported" }
            val dims = Regex("'shape':\\s*\\(([^)]*)\\)").find(header)?.groupValues?.get(1)
                ?: throw IllegalArgumentException("npy header without shape")
            val shape = dims.split(",").map { it.trim() }.filter { it.isNotEmpty() }.map { it.toInt() }
            val body = ByteBuffer.wrap(bytes, start + headerLen, bytes.size - start - headerLen).slice()
            val normalized = if (descr == "|u1") "|u1" else descr
            return NpyArray(shape.toIntArray(), normalized, body)
        }
    }
}
