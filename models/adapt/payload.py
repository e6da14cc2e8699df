"""The prompt as it goes back to the device: fp16 bytes, version and sha256."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

VERSION_BYTES = 8
HASH_BYTES = 32


@dataclass(frozen=True)
class PromptPayload:
    family: str
    version: int
    """Strictly increasing per cloud learner; the device refuses anything not newer."""
    data: bytes
    """Little-endian float16 flat prompt."""
    sha256: str
    """Hex digest of `data`."""
    signer: str = ""
    """Filled and checked by the node (signature hook); the model layer passes it along."""
    domain: int = 0
    """The device's domain id this prompt is for (models/adapt/domain_keys.py); 0 when
    the device does not tell domains apart."""

    @property
    def wire_bytes(self) -> int:
        """Payload plus version and hash: what a fetch moves (family/signer are node framing)."""
        return len(self.data) + VERSION_BYTES + HASH_BYTES


def encode_prompt(
    family: str, version: int, flat: NDArray[np.floating], domain: int = 0
) -> PromptPayload:
    data = np.asarray(flat, np.float32).astype("<f2").tobytes()
    return PromptPayload(family, version, data, hashlib.sha256(data).hexdigest(), domain=domain)


def decode_prompt(payload: PromptPayload) -> NDArray[np.float32]:
    """Flat float32 vector; raises ValueError on an odd byte count (the validator catches)."""
    if len(payload.data) % 2:
        raise ValueError("fp16 payload has an odd number of bytes")
    return np.frombuffer(payload.data, "<f2").astype(np.float32)
