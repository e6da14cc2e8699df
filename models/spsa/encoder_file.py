"""Where a θ-as-input ONNX encoder lives, named by what it computes (no torch needed).

A device without torch cannot export the encoder; it finds the file that an export step on
a machine with torch wrote (``byteswarm train export-encoder``), by the same digest.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from models.spsa.bert import BertConfig, Weights
from models.spsa.layout import ParamLayout

EXPORT_VERSION = "encoder-flat-theta-v1"
OPSET = 17


def export_digest(config: BertConfig, layout: ParamLayout, weights: Weights) -> str:
    """SHA-256 over the exporter version, opset, shapes, layout and every weight."""
    h = hashlib.sha256(f"{EXPORT_VERSION}|{OPSET}|{config}|{layout.digest}".encode())
    for name in sorted(weights):
        h.update(name.encode())
        h.update(np.ascontiguousarray(weights[name]).tobytes())
    return h.hexdigest()


def encoder_path(folder: Path, config: BertConfig, layout: ParamLayout, weights: Weights) -> Path:
    """The file an export of exactly these weights writes in ``folder``."""
    return folder / f"{export_digest(config, layout, weights)[:32]}.onnx"
