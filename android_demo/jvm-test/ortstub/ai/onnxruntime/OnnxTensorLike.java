// STAND-IN for com.microsoft.onnxruntime (JVM verification only; see android_demo/README.md).
package ai.onnxruntime;

/** Stand-in for the real abstract base of OnnxTensor. */
public abstract class OnnxTensorLike implements OnnxValue {}
