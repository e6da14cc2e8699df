package org.byteswarm.demo

import android.content.Context
import android.graphics.Bitmap
import android.graphics.Canvas
import android.graphics.Color
import android.graphics.Paint
import android.view.MotionEvent
import android.view.View

/** A square canvas: white ink on black, read back as grayscale in [0, 1] (ink = 1). */
class DrawView(context: Context, private val onStroke: () -> Unit) : View(context) {
    private val size = 256
    private val bitmap = Bitmap.createBitmap(size, size, Bitmap.Config.ARGB_8888)
    private val canvas = Canvas(bitmap).also { it.drawColor(Color.BLACK) }
    private val paint = Paint().apply {
        color = Color.WHITE
        strokeWidth = size / 10f
        strokeCap = Paint.Cap.ROUND
        isAntiAlias = true
    }
    private var lastX = 0f
    private var lastY = 0f

    fun clear() {
        canvas.drawColor(Color.BLACK)
        invalidate()
    }

    /** Row-major size × size pixels in [0, 1]. */
    fun grayscale(): Triple<FloatArray, Int, Int> {
        val pixels = IntArray(size * size)
        bitmap.getPixels(pixels, 0, size, 0, 0, size, size)
        return Triple(FloatArray(pixels.size) { (pixels[it] and 0xff) / 255f }, size, size)
    }

    override fun onMeasure(widthSpec: Int, heightSpec: Int) {
        val side = MeasureSpec.getSize(widthSpec)
        setMeasuredDimension(side, side)
    }

    override fun onDraw(target: Canvas) {
        target.save()
        target.scale(width / size.toFloat(), height / size.toFloat())
        target.drawBitmap(bitmap, 0f, 0f, null)
        target.restore()
    }

    override fun onTouchEvent(event: MotionEvent): Boolean {
        val x = event.x * size / width
        val y = event.y * size / height
        when (event.action) {
            MotionEvent.ACTION_DOWN -> { lastX = x; lastY = y }
            MotionEvent.ACTION_MOVE -> {
                canvas.drawLine(lastX, lastY, x, y, paint)
                lastX = x; lastY = y
                invalidate()
            }
            MotionEvent.ACTION_UP -> onStroke()
        }
        return true
    }
}
