"""Fixtures: the tiny BERT-shaped model (same code path as MiniLM) and its word batches."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from models.spsa.bert import TINY, Weights, tiny_weights, tokenizer_path
from models.spsa.layout import ParamLayout, bitfit_layout
from models.spsa.polarity import PolarityBatch, WordTokenizer, make_batch

torch.set_num_threads(1)

WORDS = [("good", 1), ("awful", 0), ("happy", 1), ("tragedy", 0), ("wonderful", 1), ("hate", 0)]


@pytest.fixture(scope="session")
def tiny() -> tuple[ParamLayout, Weights]:
    weights = tiny_weights(seed=3)
    return bitfit_layout({n: w.shape for n, w in weights.items()}), weights


@pytest.fixture(scope="session")
def tokenizer() -> WordTokenizer:
    return WordTokenizer(tokenizer_path())


@pytest.fixture(scope="session")
def batch(tokenizer: WordTokenizer) -> PolarityBatch:
    return make_batch(tokenizer, WORDS)


@pytest.fixture
def theta0(tiny: tuple[ParamLayout, Weights]) -> np.ndarray:
    layout, weights = tiny
    return layout.flatten(weights)


__all__ = ["TINY"]
