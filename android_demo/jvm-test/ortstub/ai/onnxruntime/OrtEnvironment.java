// STAND-IN for com.microsoft.onnxruntime (JVM verification only; see android_demo/README.md).
package ai.onnxruntime;

/** Same factory and createSession(byte[], SessionOptions) signatures as the real class. */
public final class OrtEnvironment implements AutoCloseable {
  private static final OrtEnvironment INSTANCE = new OrtEnvironment();

  private OrtEnvironment() {}

  public static OrtEnvironment getEnvironment() {
    return INSTANCE;
  }

  public OrtSession createSession(byte[] modelArray, OrtSession.SessionOptions options)
      throws OrtException {
    return new OrtSession(modelArray);
  }

  @Override
  public void close() {}
}
