"""The SPSA bench's task: MiniLM-L6 bitfit subset on VADER word polarity, the machine it ran
on, and the mean ± std summary every part reports."""

from __future__ import annotations

import os
import platform
import statistics
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from models.spsa.bert import load_minilm, tokenizer_path
from models.spsa.layout import ParamLayout, bitfit_layout
from models.spsa.polarity import WordTokenizer, split_words, vader_words
from models.spsa.torch_backend import TorchEncoder

Words = list[tuple[str, int]]


@dataclass
class Task:
    encoder: TorchEncoder
    layout: ParamLayout
    theta0: np.ndarray
    tokenizer: WordTokenizer
    train: Words
    test: Words


def load_task(test_limit: int | None) -> Task:
    config, weights = load_minilm()
    layout = bitfit_layout({n: w.shape for n, w in weights.items()})
    train, test = split_words(vader_words(1.0), test_fraction=0.2, seed=0)
    tokenizer = WordTokenizer(tokenizer_path())
    return Task(
        TorchEncoder(config, layout, weights),
        layout,
        layout.flatten(weights),
        tokenizer,
        train,
        test[:test_limit] if test_limit else test,
    )


def machine() -> dict[str, Any]:
    return {
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "torch": torch.__version__,
    }


def summary(values: list[float]) -> dict[str, Any]:
    return {
        "mean": statistics.fmean(values),
        "std": statistics.stdev(values) if len(values) > 1 else 0.0,
        "values": values,
    }
