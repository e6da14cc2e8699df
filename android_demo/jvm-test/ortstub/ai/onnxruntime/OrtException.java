// STAND-IN for com.microsoft.onnxruntime (JVM verification only; see android_demo/README.md).
package ai.onnxruntime;

/** Signature-compatible stand-in for the real ai.onnxruntime.OrtException. */
public class OrtException extends Exception {
  public OrtException(String message) {
    super(message);
  }
}
