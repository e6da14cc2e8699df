"""What a finetune run trains on this node: weights, layout, loss backend and data shard.

The onnxruntime backend needs neither torch nor the exporter, only the encoder file that
``byteswarm train export-encoder`` wrote for exactly these weights; ``none`` replays records
without any forward pass (enough to verify a log, not to train).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

from models.spsa.layout import ParamLayout, bitfit_layout
from models.spsa.polarity import PolarityLoss, WordTokenizer, split_words, vader_words

SHARDS = 4


class RunError(ValueError):
    """A run spec that this node cannot or will not follow; the message says why."""


@dataclass
class Task:
    """What a run trains: weights, layout, loss backend and this node's data shard."""

    layout: ParamLayout
    theta0: np.ndarray
    loss: Any  # LossBackend[PolarityBatch], or None: replay only
    tokenizer: WordTokenizer
    words: list[tuple[str, int]]
    test: list[tuple[str, int]]


Backend = Literal["torch", "onnxruntime", "none"]
"""``none`` replays records without any forward pass: enough to verify, not to train."""


def load_weights(model: str) -> tuple[Any, dict[str, np.ndarray]]:
    """(BertConfig, float32 weights) of a run's model: numpy and safetensors only."""
    from models.spsa.bert import TINY, load_minilm, tiny_weights

    if model == "tiny":
        return TINY, tiny_weights(seed=0)
    if model == "minilm":
        return load_minilm()
    raise RunError(f"unknown model {model!r}")


def initial_theta(model: str) -> tuple[ParamLayout, np.ndarray]:
    """The trainable layout and θ0 of a run's model, without building any backend."""
    _, weights = load_weights(model)
    layout = bitfit_layout({name: w.shape for name, w in weights.items()})
    return layout, layout.flatten(weights)


def default_encoder_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_cache_dir("byteswarm")) / "spsa-encoders"


def encoder_file(model: str, folder: Path) -> Path:
    """Where ``export_encoder_file`` writes ``model``'s encoder in ``folder`` (no torch)."""
    from models.spsa.encoder_file import encoder_path

    config, weights = load_weights(model)
    layout = bitfit_layout({name: w.shape for name, w in weights.items()})
    return encoder_path(folder, config, layout, weights)


def export_encoder_file(model: str, folder: Path) -> Path:
    """Write the θ-as-input ONNX encoder of ``model`` into ``folder`` (needs torch)."""
    from models.spsa.layout import bitfit_layout
    from models.spsa.onnx_export import export_encoder

    config, weights = load_weights(model)
    layout = bitfit_layout({name: w.shape for name, w in weights.items()})
    return export_encoder(config, layout, weights, folder)


def build_task(
    model: str, self_id: str, backend: Backend = "torch", encoder_dir: Path | None = None
) -> Task:
    """Load the model on ``backend`` and this node's shard of the VADER words.

    The onnxruntime backend imports neither torch nor the exporter: it needs the encoder
    file that ``byteswarm train export-encoder`` wrote for exactly these weights.
    """
    from models.spsa.bert import tokenizer_path

    config, weights = load_weights(model)
    layout = bitfit_layout({name: w.shape for name, w in weights.items()})
    encoder: Any = None
    if backend == "onnxruntime":
        from models.spsa.encoder_file import encoder_path
        from models.spsa.ort_backend import OrtEncoder

        path = encoder_path(encoder_dir or default_encoder_dir(), config, layout, weights)
        if not path.is_file():
            raise RunError(
                f"no ONNX encoder for model {model!r} at {path}: run `byteswarm train "
                f"export-encoder --model {model}` where torch is installed and copy it there"
            )
        encoder = OrtEncoder(path)
    elif backend == "torch":
        from models.spsa.torch_backend import TorchEncoder

        encoder = TorchEncoder(config, layout, weights)
    tokenizer = WordTokenizer(tokenizer_path())
    train, test = split_words(vader_words())
    shard = int(hashlib.blake2b(self_id.encode(), digest_size=8).hexdigest(), 16) % SHARDS
    words = [w for i, w in enumerate(train) if i % SHARDS == shard]
    loss = None if encoder is None else PolarityLoss(encoder)
    return Task(layout, layout.flatten(weights), loss, tokenizer, words, test)
