"""The onnxruntime encoder: numpy + onnxruntime only, so a device without torch can train."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt
import onnxruntime as ort


class OrtEncoder:
    """Runs an encoder exported by ``onnx_export`` (θ is the graph input ``theta``)."""

    def __init__(self, model_path: Path, threads: int = 1) -> None:
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        # busy-waiting threads steal the shared CPU from other peers' work
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = ort.InferenceSession(
            str(model_path), options, providers=["CPUExecutionProvider"]
        )

    def embed(
        self,
        theta_flat: npt.NDArray[np.float32],
        input_ids: npt.NDArray[np.int64],
        attention_mask: npt.NDArray[np.float32],
    ) -> npt.NDArray[np.float32]:
        feeds = {
            "theta": np.ascontiguousarray(theta_flat, dtype=np.float32),
            "input_ids": np.ascontiguousarray(input_ids, dtype=np.int64),
            "attention_mask": np.ascontiguousarray(attention_mask, dtype=np.float32),
        }
        (embeddings,) = self.session.run(["embeddings"], feeds)
        return np.asarray(embeddings, dtype=np.float32)
