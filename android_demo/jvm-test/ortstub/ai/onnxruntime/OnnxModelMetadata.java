// STAND-IN for com.microsoft.onnxruntime (JVM verification only; see android_demo/README.md).
package ai.onnxruntime;

import java.util.Collections;
import java.util.Map;
import java.util.Optional;

/** Same public getters as the real class (producer, graph, domain, description omitted). */
public final class OnnxModelMetadata {
  private final long version;
  private final Map<String, String> customMetadata;

  OnnxModelMetadata(long version, Map<String, String> customMetadata) {
    this.version = version;
    this.customMetadata = customMetadata;
  }

  public long getVersion() {
    return version;
  }

  public Map<String, String> getCustomMetadata() {
    return Collections.unmodifiableMap(customMetadata);
  }

  public Optional<String> getCustomMetadataValue(String key) {
    return Optional.ofNullable(customMetadata.get(key));
  }
}
