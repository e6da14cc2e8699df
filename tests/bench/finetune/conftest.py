"""Fixtures: the tiny BERT-shaped model the simulated peers run (as tests/models/spsa/)."""

from __future__ import annotations

import pytest
import torch

from models.spsa.bert import Weights, minilm_dir, tiny_weights
from models.spsa.layout import ParamLayout, bitfit_layout
from models.spsa.polarity import WordTokenizer

torch.set_num_threads(1)


@pytest.fixture(scope="session")
def tiny() -> tuple[ParamLayout, Weights]:
    weights = tiny_weights(seed=3)
    return bitfit_layout({n: w.shape for n, w in weights.items()}), weights


@pytest.fixture(scope="session")
def tokenizer() -> WordTokenizer:
    return WordTokenizer(minilm_dir() / "tokenizer.json")
