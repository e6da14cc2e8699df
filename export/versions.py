"""Pinned format versions and why.

The Android demo pins onnxruntime-android 1.22.0. ONNX opset 20 is the newest opset the
dynamo exporter emits natively in torch 2.13 and every onnxruntime since 1.17 implements;
the IR version is the lowest that can carry the chosen opset (opset 20 -> IR 9), so the file
loads in any onnxruntime >= 1.17, including the pinned Android release. The same release
(1.22.0) runs the files in the Node parity check (npm ``onnxruntime-node``), which is how
"the pinned release loads it" is verified on a machine without an Android SDK.
"""

from __future__ import annotations

ANDROID_ORT_VERSION = "1.22.0"
NODE_ORT_VERSION = ANDROID_ORT_VERSION
DEFAULT_OPSET = 20
MIN_OPSET = 18  # the dynamo exporter's floor
MAX_OPSET = 21  # highest opset checked to load in onnxruntime 1.22.0 (Node) here


def ir_version_for(opset: int) -> int:
    """The lowest ONNX IR version whose spec includes ``opset`` of the default domain."""
    import onnx.helper

    return int(onnx.helper.find_min_ir_version_for([onnx.helper.make_opsetid("", opset)]))
