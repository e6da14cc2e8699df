// STAND-IN for com.microsoft.onnxruntime (JVM verification only; see android_demo/README.md).
package ai.onnxruntime;

/** Stand-in for the real interface (which also declares getType/getInfo). */
public interface OnnxValue extends AutoCloseable {
  Object getValue() throws OrtException;

  @Override
  void close();
}
