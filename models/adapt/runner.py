"""The device's forward pass over onnxruntime: numpy in, numpy out, no torch anywhere."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

F32 = NDArray[np.float32]


class DeviceRunner:
    """Callable as a `DeviceForward`: (images (N, 1, 16, 16), prompt arrays) -> logits."""

    def __init__(self, model: bytes | str, threads: int = 1) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self._session = ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])
        self.input_names = tuple(i.name for i in self._session.get_inputs())

    def __call__(self, images: F32, prompt: dict[str, F32]) -> F32:
        feeds = {"image": np.ascontiguousarray(images, np.float32)}
        for name in self.input_names[1:]:
            feeds[name] = np.ascontiguousarray(prompt[name], np.float32)
        (logits,) = self._session.run(["logits"], feeds)
        return np.asarray(logits, np.float32)
