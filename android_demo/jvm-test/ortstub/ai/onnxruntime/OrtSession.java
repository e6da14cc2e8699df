// STAND-IN for com.microsoft.onnxruntime (JVM verification only; see android_demo/README.md).
package ai.onnxruntime;

import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Reads the model's input/output names and custom metadata from the real ONNX protobuf bytes
 * (ModelProtoReader); it cannot execute a graph, so run() throws.
 */
public class OrtSession implements AutoCloseable {
  private final Set<String> inputNames;
  private final Set<String> outputNames;
  private final OnnxModelMetadata metadata;

  OrtSession(byte[] modelArray) throws OrtException {
    ModelProtoReader reader = ModelProtoReader.parse(modelArray);
    this.inputNames = Collections.unmodifiableSet(new LinkedHashSet<>(reader.inputs));
    this.outputNames = Collections.unmodifiableSet(new LinkedHashSet<>(reader.outputs));
    this.metadata = new OnnxModelMetadata(reader.modelVersion, reader.metadata);
  }

  public Set<String> getInputNames() {
    return inputNames;
  }

  public Set<String> getOutputNames() {
    return outputNames;
  }

  public OnnxModelMetadata getMetadata() throws OrtException {
    return metadata;
  }

  public Result run(Map<String, ? extends OnnxTensorLike> inputs) throws OrtException {
    for (String name : inputs.keySet()) {
      if (!inputNames.contains(name)) {
        throw new OrtException("Unknown input name " + name + ", expected one of " + inputNames);
      }
    }
    throw new OrtException("stand-in ai.onnxruntime cannot run a graph (JVM verification only)");
  }

  @Override
  public void close() {}

  /** Same constructor and setter signature as the real nested class. */
  public static class SessionOptions implements AutoCloseable {
    public SessionOptions() {}

    public void setIntraOpNumThreads(int numThreads) throws OrtException {
      if (numThreads < 0) {
        throw new OrtException("Number of threads must be non-negative");
      }
    }

    @Override
    public void close() {}
  }

  /** Same shape as the real nested class: ordered outputs, get by index or name. */
  public static class Result implements AutoCloseable, Iterable<Map.Entry<String, OnnxValue>> {
    private final Map<String, OnnxValue> values = new LinkedHashMap<>();

    Result(String[] names, OnnxValue[] outputs) {
      for (int i = 0; i < names.length; i++) {
        values.put(names[i], outputs[i]);
      }
    }

    public OnnxValue get(int index) {
      return values.values().toArray(new OnnxValue[0])[index];
    }

    public Optional<OnnxValue> get(String key) {
      return Optional.ofNullable(values.get(key));
    }

    public int size() {
      return values.size();
    }

    @Override
    public Iterator<Map.Entry<String, OnnxValue>> iterator() {
      return values.entrySet().iterator();
    }

    @Override
    public void close() {}
  }
}
