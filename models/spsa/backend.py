"""The two small interfaces the engine and the task need from a forward backend."""

from __future__ import annotations

from typing import Protocol, TypeVar

import numpy as np
import numpy.typing as npt

BatchT_contra = TypeVar("BatchT_contra", contravariant=True)


class LossBackend(Protocol[BatchT_contra]):
    """Anything that can score a flat θ on a batch; all the SPSA engine needs."""

    def loss(self, theta_flat: npt.NDArray[np.float32], batch: BatchT_contra) -> float: ...


class Encoder(Protocol):
    """A sentence encoder whose trainable tensors come in as one flat θ."""

    def embed(
        self,
        theta_flat: npt.NDArray[np.float32],
        input_ids: npt.NDArray[np.int64],
        attention_mask: npt.NDArray[np.float32],
    ) -> npt.NDArray[np.float32]:
        """(B, T) token ids and mask -> (B, H) L2-normalised mean-pooled embeddings."""
        ...
