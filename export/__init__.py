"""byteswarm export: torch -> ONNX/ORT with a model contract (not yet built; see issue 6)."""
