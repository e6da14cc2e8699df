from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from models.adapt.prompts import filter_feature_family
from models.adapt.uncertainty import (
    entropy,
    mc_channel_dropout,
    select,
    select_top,
    tta_variance,
    upload_count,
)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.floats(-1e3, 1e3, allow_nan=False), min_size=1, max_size=80),
    st.floats(0.01, 1.0),
)
def test_select_top_returns_the_k_most_uncertain(scores: list[float], fraction: float) -> None:
    arr = np.asarray(scores)
    picked = select_top(arr, fraction)
    k = min(len(arr), max(1, round(fraction * len(arr))))
    assert len(picked) == k == len(set(picked.tolist()))
    rest = np.setdiff1d(np.arange(len(arr)), picked)
    if len(rest):
        assert arr[picked].min() >= arr[rest].max()
    assert np.all(np.diff(arr[picked]) <= 0)  # most uncertain first


def test_select_top_zero_fraction_uploads_nothing() -> None:
    assert len(select_top(np.arange(10.0), 0.0)) == 0


def test_entropy_bounds() -> None:
    logits = np.array([[0.0] * 10, [100.0] + [0.0] * 9], np.float32)
    h = entropy(logits)
    assert abs(h[0] - np.log(10)) < 1e-5 and h[1] < 1e-6


def _shift_sensitive_forward(images: np.ndarray, prompt: dict[str, np.ndarray]) -> np.ndarray:
    # logits read the first column: a one-pixel shift changes them, if the image has ink there
    column = images[:, 0, :, 0].sum(axis=1)
    logits = np.zeros((len(images), 10), np.float32)
    logits[:, 0] = 0.1 * column
    return logits * float(prompt["scale2"].mean()) if "scale2" in prompt else logits


def test_tta_variance_is_zero_only_for_shift_invariant_inputs() -> None:
    images = np.zeros((2, 1, 16, 16), np.float32)
    images[1, 0, :, 0] = 1.0  # ink on the left edge: shifts move it
    logits = _shift_sensitive_forward(images, {})
    score = tta_variance(_shift_sensitive_forward, images, {}, logits)
    assert score[0] == 0.0 and score[1] > 0.01


def test_mc_dropout_uses_the_feature_scale_input() -> None:
    family = filter_feature_family()
    prompt = family.split(family.neutral())
    images = np.zeros((3, 1, 16, 16), np.float32)
    images[:, 0, :, 0] = 1.0
    logits = _shift_sensitive_forward(images, prompt)
    score = mc_channel_dropout(
        _shift_sensitive_forward, images, prompt, logits, np.random.default_rng(0), passes=8
    )
    assert score.shape == (3,) and np.all(score > 0)


def test_upload_count_matches_select_top() -> None:
    assert upload_count(50, 0.25) == 12 and upload_count(3, 0.01) == 1
    assert upload_count(10, 0.0) == 0 and upload_count(4, 1.0) == 4


def test_mix_keeps_the_top_half_and_fills_the_rest_from_others() -> None:
    scores = np.arange(40.0)  # sample i has score i
    picked = select(scores, 0.25, "mix", np.random.default_rng(0))
    assert len(picked) == 10 == len(set(picked.tolist()))
    assert set(range(35, 40)) <= set(picked.tolist())  # the 5 most uncertain
    assert np.all(np.diff(scores[picked]) <= 0)
    # with another draw the random half changes but the top half does not
    other = select(scores, 0.25, "mix", np.random.default_rng(1))
    assert set(range(35, 40)) <= set(other.tolist()) and set(other) != set(picked)


def test_class_balanced_takes_each_class_top_in_turn() -> None:
    predictions = np.array([0] * 20 + [1] * 10 + [2] * 10, np.int64)
    scores = np.concatenate([np.linspace(5, 6, 20), np.linspace(0, 1, 10), np.linspace(2, 3, 10)])
    picked = select(scores, 0.15, "class_balanced", predictions=predictions)  # k = 6
    assert len(picked) == 6
    assert np.bincount(predictions[picked], minlength=3).tolist() == [2, 2, 2]
    for c in range(3):
        members = np.flatnonzero(predictions == c)
        best = members[np.argsort(-scores[members])[:2]]
        assert set(best.tolist()) <= set(picked.tolist())


def test_sample_draws_unique_indices_favouring_high_scores() -> None:
    scores = np.concatenate([np.full(30, 1e-3), np.full(10, 1.0)])
    rng = np.random.default_rng(0)
    hits = 0
    for _ in range(20):
        picked = select(scores, 0.25, "sample", rng)
        assert len(picked) == 10 == len(set(picked.tolist()))
        hits += int((picked >= 30).sum())
    assert hits > 150  # almost always the high-score ones (uniform would give ~50)


def test_selection_needs_its_inputs() -> None:
    with pytest.raises(ValueError):
        select(np.ones(4), 0.5, "mix")
    with pytest.raises(ValueError):
        select(np.ones(4), 0.5, "class_balanced", np.random.default_rng(0))
    with pytest.raises(ValueError):
        select(np.ones(4), 0.5, "nearest", np.random.default_rng(0))
