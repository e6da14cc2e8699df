"""Word polarity from the VADER lexicon, scored by cosine similarity to two label prompts.

A word is classified by which label prompt's embedding is closer; the loss is the
cross-entropy of ``temperature · cos`` logits. Needs numpy and ``tokenizers`` only.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

import numpy as np
import numpy.typing as npt

from models.spsa.backend import Encoder

LABEL_PROMPTS = ("this is bad", "this is good")
"""Index 0 = negative, 1 = positive. Picked among four candidates by zero-shot accuracy
on the training split (bench: ``spsa.py``), never on the test split."""
TEMPERATURE = 20.0

IdArray = npt.NDArray[np.int64]
MaskArray = npt.NDArray[np.float32]


def vader_lexicon_path() -> Path:
    import vaderSentiment

    return Path(vaderSentiment.__file__).parent / "vader_lexicon.txt"


def vader_words(min_abs_score: float = 1.0, path: Path | None = None) -> list[tuple[str, int]]:
    """Alphabetic lexicon entries with |mean rating| >= min_abs_score, label 1 if positive."""
    words = []
    for line in (path or vader_lexicon_path()).read_text(encoding="utf-8").splitlines():
        fields = line.split("\t")
        if len(fields) < 2 or not fields[0].isalpha():
            continue
        score = float(fields[1])
        if abs(score) >= min_abs_score:
            words.append((fields[0], int(score > 0)))
    return words


def split_words(
    words: list[tuple[str, int]], test_fraction: float = 0.2, seed: int = 0
) -> tuple[list[tuple[str, int]], list[tuple[str, int]]]:
    """Fixed seeded (train, test) split."""
    order = np.random.default_rng(seed).permutation(len(words))
    n_test = round(len(words) * test_fraction)
    test = [words[i] for i in order[:n_test]]
    train = [words[i] for i in order[n_test:]]
    return train, test


def shard(words: list[tuple[str, int]], peers: int, peer: int) -> list[tuple[str, int]]:
    """Peer ``peer``'s disjoint share of the training words."""
    return words[peer::peers]


class WordTokenizer:
    """all-MiniLM's WordPiece tokenizer, padding to the longest text in each call."""

    def __init__(self, tokenizer_json: Path) -> None:
        from tokenizers import Tokenizer

        self.tokenizer = Tokenizer.from_file(str(tokenizer_json))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(max_length=32)

    def encode(self, texts: list[str]) -> tuple[IdArray, MaskArray]:
        encoded = [e.ids for e in self.tokenizer.encode_batch(texts)]
        length = max(len(ids) for ids in encoded)
        ids = np.zeros((len(texts), length), dtype=np.int64)  # (B, T); 0 = [PAD]
        mask = np.zeros((len(texts), length), dtype=np.float32)  # (B, T)
        for row, token_ids in enumerate(encoded):
            ids[row, : len(token_ids)] = token_ids
            mask[row, : len(token_ids)] = 1.0
        return ids, mask


@dataclass(frozen=True)
class PolarityBatch:
    """Words with labels, plus the two label prompts (embedded with the same θ)."""

    input_ids: IdArray  # (B, T)
    attention_mask: MaskArray  # (B, T)
    labels: IdArray  # (B,)
    prompt_ids: IdArray  # (2, Tp)
    prompt_mask: MaskArray  # (2, Tp)


def make_batch(tokenizer: WordTokenizer, words: list[tuple[str, int]]) -> PolarityBatch:
    ids, mask = tokenizer.encode([w for w, _ in words])
    prompt_ids, prompt_mask = tokenizer.encode(list(LABEL_PROMPTS))
    labels = np.array([label for _, label in words], dtype=np.int64)
    return PolarityBatch(ids, mask, labels, prompt_ids, prompt_mask)


def polarity_logits(
    word_embeddings: npt.NDArray[np.float32],
    prompt_embeddings: npt.NDArray[np.float32],
    temperature: float = TEMPERATURE,
) -> npt.NDArray[np.float64]:
    """(B, H) and (2, H) unit vectors -> (B, 2) temperature-scaled cosine logits."""
    cosine = word_embeddings.astype(np.float64) @ prompt_embeddings.astype(np.float64).T
    return temperature * cosine


def cross_entropy(logits: npt.NDArray[np.float64], labels: IdArray) -> float:
    shifted = logits - logits.max(axis=1, keepdims=True)  # (B, 2)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return float(-log_probs[np.arange(labels.size), labels].mean())


EncoderT = TypeVar("EncoderT", bound=Encoder)


class PolarityLoss(Generic[EncoderT]):
    """LossBackend[PolarityBatch] over any Encoder (torch or onnxruntime)."""

    def __init__(self, encoder: EncoderT, temperature: float = TEMPERATURE) -> None:
        self.encoder = encoder
        self.temperature = temperature

    def logits(
        self, theta_flat: npt.NDArray[np.float32], batch: PolarityBatch
    ) -> npt.NDArray[np.float64]:
        words = self.encoder.embed(theta_flat, batch.input_ids, batch.attention_mask)
        prompts = self.encoder.embed(theta_flat, batch.prompt_ids, batch.prompt_mask)
        return polarity_logits(words, prompts, self.temperature)

    def loss(self, theta_flat: npt.NDArray[np.float32], batch: PolarityBatch) -> float:
        return cross_entropy(self.logits(theta_flat, batch), batch.labels)

    def accuracy(self, theta_flat: npt.NDArray[np.float32], batch: PolarityBatch) -> float:
        predicted = self.logits(theta_flat, batch).argmax(axis=1)
        return float((predicted == batch.labels).mean())
