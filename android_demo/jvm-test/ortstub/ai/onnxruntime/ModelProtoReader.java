// STAND-IN support (not part of the real API): reads the few ModelProto fields the stand-in
// session exposes, straight from the protobuf wire format of the real model file.
package ai.onnxruntime;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

final class ModelProtoReader {
  final List<String> inputs = new ArrayList<>();
  final List<String> outputs = new ArrayList<>();
  final Map<String, String> metadata = new LinkedHashMap<>();
  long modelVersion;

  private final byte[] buf;
  private int pos;
  private final int end;

  private ModelProtoReader(byte[] buf, int start, int end) {
    this.buf = buf;
    this.pos = start;
    this.end = end;
  }

  static ModelProtoReader parse(byte[] model) throws OrtException {
    ModelProtoReader top = new ModelProtoReader(model, 0, model.length);
    boolean sawGraph = false;
    while (top.pos < top.end) {
      long tag = top.varint();
      int field = (int) (tag >>> 3);
      int wire = (int) (tag & 7);
      if (field == 7 && wire == 2) { // ModelProto.graph
        ModelProtoReader graph = top.sub();
        graph.readGraph(top);
        sawGraph = true;
      } else if (field == 14 && wire == 2) { // ModelProto.metadata_props
        ModelProtoReader entry = top.sub();
        String[] kv = entry.readKeyValue();
        top.metadata.put(kv[0], kv[1]);
      } else if (field == 5 && wire == 0) { // ModelProto.model_version
        top.modelVersion = top.varint();
      } else {
        top.skip(wire);
      }
    }
    if (!sawGraph) {
      throw new OrtException("not an ONNX model: no graph");
    }
    return top;
  }

  private void readGraph(ModelProtoReader into) throws OrtException {
    while (pos < end) {
      long tag = varint();
      int field = (int) (tag >>> 3);
      int wire = (int) (tag & 7);
      if ((field == 11 || field == 12) && wire == 2) { // GraphProto.input / output
        String name = sub().readName();
        (field == 11 ? into.inputs : into.outputs).add(name);
      } else {
        skip(wire);
      }
    }
  }

  private String readName() throws OrtException {
    String name = "";
    while (pos < end) {
      long tag = varint();
      if ((tag >>> 3) == 1 && (tag & 7) == 2) {
        name = string();
      } else {
        skip((int) (tag & 7));
      }
    }
    return name;
  }

  private String[] readKeyValue() throws OrtException {
    String key = "";
    String value = "";
    while (pos < end) {
      long tag = varint();
      int field = (int) (tag >>> 3);
      if (field == 1 && (tag & 7) == 2) {
        key = string();
      } else if (field == 2 && (tag & 7) == 2) {
        value = string();
      } else {
        skip((int) (tag & 7));
      }
    }
    return new String[] {key, value};
  }

  private long varint() throws OrtException {
    long result = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos >= end) {
        throw new OrtException("truncated protobuf");
      }
      byte b = buf[pos++];
      result |= (long) (b & 0x7f) << shift;
      if ((b & 0x80) == 0) {
        return result;
      }
    }
    throw new OrtException("malformed varint");
  }

  private ModelProtoReader sub() throws OrtException {
    int length = (int) varint();
    if (length < 0 || pos + length > end) {
      throw new OrtException("truncated protobuf");
    }
    ModelProtoReader child = new ModelProtoReader(buf, pos, pos + length);
    pos += length;
    return child;
  }

  private String string() throws OrtException {
    ModelProtoReader s = sub();
    return new String(buf, s.pos, s.end - s.pos, StandardCharsets.UTF_8);
  }

  private void skip(int wire) throws OrtException {
    switch (wire) {
      case 0 -> varint();
      case 1 -> pos += 8;
      case 2 -> sub();
      case 5 -> pos += 4;
      default -> throw new OrtException("unsupported wire type " + wire);
    }
    if (pos > end) {
      throw new OrtException("truncated protobuf");
    }
  }
}
