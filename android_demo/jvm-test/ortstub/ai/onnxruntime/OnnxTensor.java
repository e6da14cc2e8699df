// STAND-IN for com.microsoft.onnxruntime (JVM verification only; see android_demo/README.md).
package ai.onnxruntime;

import java.nio.FloatBuffer;

/** Holds a float tensor in Java memory; the real class wraps a native OrtValue. */
public class OnnxTensor extends OnnxTensorLike {
  private final float[] data;
  private final long[] shape;

  private OnnxTensor(float[] data, long[] shape) {
    this.data = data;
    this.shape = shape.clone();
  }

  /** Same signature as the real factory. */
  public static OnnxTensor createTensor(OrtEnvironment env, FloatBuffer data, long[] shape)
      throws OrtException {
    long count = 1;
    for (long d : shape) {
      count *= d;
    }
    if (count != data.remaining()) {
      throw new OrtException("Shape " + count + " does not match buffer size " + data.remaining());
    }
    float[] copy = new float[data.remaining()];
    data.duplicate().get(copy);
    return new OnnxTensor(copy, shape);
  }

  /** Same as the real method: a copy of the tensor's contents. */
  public FloatBuffer getFloatBuffer() {
    return FloatBuffer.wrap(data.clone());
  }

  public long[] getShapeForTest() {
    return shape.clone();
  }

  @Override
  public Object getValue() {
    return data.clone();
  }

  @Override
  public void close() {}
}
