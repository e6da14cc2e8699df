"""The reference torch encoder: BERT with the trainable tensors sliced out of a flat θ.

``encode`` takes θ with a leading peer axis (P, D) and inputs (P, B, T): the trainable
tensors are biases and LayerNorm weights, so P differently perturbed models share every
matrix and run as one batched forward (used by the bench to simulate many peers).
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
import torch
import torch.nn.functional as F

from models.spsa.bert import BertConfig, Weights
from models.spsa.layout import ParamLayout

_MASKED = -1e9  # exp underflows to exactly 0 in float32: padding never leaks in


def encode(
    config: BertConfig,
    layout: ParamLayout,
    frozen: dict[str, torch.Tensor],
    theta: torch.Tensor,
    input_ids: torch.Tensor,
    attention_mask: torch.Tensor,
) -> torch.Tensor:
    """θ (P, D), ids (P, B, T), mask (P, B, T) -> (P, B, H) normalised embeddings."""
    peers, batch, length = input_ids.shape
    h, heads = config.hidden, config.heads
    head_dim = h // heads
    spans = layout.offsets
    trainable = {name: theta[:, a:b].reshape(peers, 1, 1, b - a) for name, (a, b) in spans.items()}

    def param(name: str) -> torch.Tensor:
        return trainable[name] if name in trainable else frozen[name]

    def linear(x: torch.Tensor, prefix: str) -> torch.Tensor:
        return x @ param(prefix + ".weight").T + param(prefix + ".bias")

    def norm(x: torch.Tensor, prefix: str) -> torch.Tensor:
        y = F.layer_norm(x, (h,), eps=config.layer_norm_eps)
        return y * param(prefix + ".weight") + param(prefix + ".bias")

    positions = frozen["embeddings.position_embeddings.weight"][:length]  # (T, H)
    token_type = frozen["embeddings.token_type_embeddings.weight"][0]  # (H,)
    x = frozen["embeddings.word_embeddings.weight"][input_ids] + positions + token_type
    x = norm(x, "embeddings.LayerNorm")  # (P, B, T, H)
    additive = ((1.0 - attention_mask) * _MASKED)[:, :, None, None, :]  # (P, B, 1, 1, T)

    def split_heads(t: torch.Tensor) -> torch.Tensor:
        return t.reshape(peers, batch, length, heads, head_dim).transpose(2, 3)  # (P,B,nh,T,dh)

    for layer in range(config.layers):
        p = f"encoder.layer.{layer}."
        q = split_heads(linear(x, p + "attention.self.query"))
        k = split_heads(linear(x, p + "attention.self.key"))
        v = split_heads(linear(x, p + "attention.self.value"))
        scores = q @ k.transpose(-1, -2) / math.sqrt(head_dim) + additive  # (P, B, nh, T, T)
        context = (scores.softmax(dim=-1) @ v).transpose(2, 3).reshape(peers, batch, length, h)
        x = norm(
            linear(context, p + "attention.output.dense") + x, p + "attention.output.LayerNorm"
        )
        hidden = F.gelu(linear(x, p + "intermediate.dense"))  # (P, B, T, I)
        x = norm(linear(hidden, p + "output.dense") + x, p + "output.LayerNorm")

    mask = attention_mask[..., None]  # (P, B, T, 1)
    pooled = (x * mask).sum(dim=2) / mask.sum(dim=2).clamp(min=1e-9)  # (P, B, H)
    return F.normalize(pooled, p=2.0, dim=-1)


class TorchEncoder:
    """Reference backend: numpy in, numpy out, torch inside."""

    def __init__(self, config: BertConfig, layout: ParamLayout, weights: Weights) -> None:
        self.config = config
        self.layout = layout
        trainable = {name for name, _ in layout.entries}
        self.frozen = {n: torch.from_numpy(w) for n, w in weights.items() if n not in trainable}

    def embed_tensor(
        self, theta: torch.Tensor, input_ids: torch.Tensor, attention_mask: torch.Tensor
    ) -> torch.Tensor:
        """Differentiable: θ (P, D), ids/mask (P, B, T) -> (P, B, H)."""
        return encode(self.config, self.layout, self.frozen, theta, input_ids, attention_mask)

    def embed(
        self,
        theta_flat: npt.NDArray[np.float32],
        input_ids: npt.NDArray[np.int64],
        attention_mask: npt.NDArray[np.float32],
    ) -> npt.NDArray[np.float32]:
        with torch.inference_mode():
            out = self.embed_tensor(
                torch.from_numpy(theta_flat)[None],
                torch.from_numpy(input_ids)[None],
                torch.from_numpy(attention_mask)[None],
            )
        return out[0].numpy()

    def embed_many(
        self,
        thetas: npt.NDArray[np.float32],
        input_ids: npt.NDArray[np.int64],
        attention_mask: npt.NDArray[np.float32],
    ) -> npt.NDArray[np.float32]:
        """θ (P, D) with inputs (P, B, T) -> (P, B, H) in one batched forward."""
        with torch.inference_mode():
            out = self.embed_tensor(
                torch.from_numpy(thetas),
                torch.from_numpy(input_ids),
                torch.from_numpy(attention_mask),
            )
        return out.numpy()
