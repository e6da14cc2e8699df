from __future__ import annotations

import math
import random

import numpy as np
import pytest
import torch

from models.spsa.bert import Weights
from models.spsa.codes import encode
from models.spsa.directions import SHARED, direction
from models.spsa.engine import (
    Record,
    RoundState,
    accumulate,
    float_round_update,
    peer_record,
    projected_gradient,
    round_update,
)
from models.spsa.layout import ParamLayout
from models.spsa.polarity import PolarityBatch, PolarityLoss
from models.spsa.torch_backend import TorchEncoder

RUN = "run-engine"


def _state(mode: str = "independent", round_index: int = 0) -> RoundState:
    return RoundState(RUN, round_index, mode, learning_rate=1e-3, scale=0.05)  # type: ignore[arg-type]


def test_spsa_is_exact_on_a_quadratic() -> None:
    rng = np.random.default_rng(0)
    center = rng.normal(size=50).astype(np.float32)
    theta = rng.normal(size=50).astype(np.float32)
    z = direction(RUN, 0, "p", 50)

    def loss(t: np.ndarray) -> float:
        return 0.5 * float(((t.astype(np.float64) - center) ** 2).sum())

    g = projected_gradient(loss, theta, z, epsilon=1e-2)
    assert g == pytest.approx(float((theta.astype(np.float64) - center) @ z), rel=1e-4)


def test_spsa_matches_autograd_directional_derivative(
    tiny: tuple[ParamLayout, Weights], batch: PolarityBatch, theta0: np.ndarray
) -> None:
    layout, weights = tiny
    from tests.models.spsa.conftest import TINY

    encoder = TorchEncoder(TINY, layout, weights)
    task = PolarityLoss(encoder)
    theta_t = torch.from_numpy(theta0.copy()).requires_grad_(True)
    words = encoder.embed_tensor(
        theta_t[None],
        torch.from_numpy(batch.input_ids)[None],
        torch.from_numpy(batch.attention_mask)[None],
    )[0]
    prompts = encoder.embed_tensor(
        theta_t[None],
        torch.from_numpy(batch.prompt_ids)[None],
        torch.from_numpy(batch.prompt_mask)[None],
    )[0]
    logits = task.temperature * words @ prompts.T  # (B, 2)
    loss = torch.nn.functional.cross_entropy(logits, torch.from_numpy(batch.labels))
    (grad,) = torch.autograd.grad(loss, theta_t)
    assert float(loss.detach()) == pytest.approx(task.loss(theta0, batch), abs=1e-5)
    for peer in ("a", "b", "c"):
        z = direction(RUN, 0, peer, layout.size)
        reference = float(grad.double().numpy() @ z.astype(np.float64))
        estimate = projected_gradient(lambda t: task.loss(t, batch), theta0, z, epsilon=1e-3)
        assert estimate == pytest.approx(reference, rel=0.02, abs=2e-3)


def test_theta_is_never_perturbed_in_place(theta0: np.ndarray) -> None:
    before = theta0.copy()
    seen: list[np.ndarray] = []

    def loss(t: np.ndarray) -> float:
        seen.append(t)
        return float(t.sum())

    projected_gradient(loss, theta0, direction(RUN, 0, "p", theta0.size), 1e-3)
    assert np.array_equal(before.view(np.uint32), theta0.view(np.uint32))
    assert all(s is not theta0 for s in seen)


def _records(n: int, round_index: int = 0, seed: int = 0) -> list[Record]:
    rng = np.random.default_rng(seed)
    return [Record(RUN, round_index, f"peer{i}", (int(rng.integers(-127, 128)),)) for i in range(n)]


@pytest.mark.parametrize("mode", ["independent", "shared"])
def test_shuffled_records_give_identical_theta_bytes(mode: str, theta0: np.ndarray) -> None:
    records = _records(9)
    reference = round_update(theta0, records, _state(mode))
    for seed in range(5):
        shuffled = records[:]
        random.Random(seed).shuffle(shuffled)
        out = round_update(theta0, shuffled, _state(mode))
        assert out.tobytes() == reference.tobytes()
    assert not np.array_equal(reference, theta0)


def test_independent_update_is_the_mean_of_code_times_direction(theta0: np.ndarray) -> None:
    records = _records(4)
    state = _state()
    out = round_update(theta0, records, state)
    total = sum(
        r.codes[0] * direction(RUN, 0, r.author, theta0.size).astype(np.int64) for r in records
    )
    expected = theta0 - np.float32(state.learning_rate * state.scale / 4) * np.asarray(
        total, dtype=np.float32
    )
    assert out.tobytes() == expected.tobytes()


def test_shared_mode_uses_the_median_and_ignores_a_byzantine_minority(theta0: np.ndarray) -> None:
    honest = [Record(RUN, 0, f"h{i}", (c,)) for i, c in enumerate([3, 5, 4, 6, 5])]
    attackers = [Record(RUN, 0, f"x{i}", (127,)) for i in range(2)]
    total, coefficient = accumulate(honest + attackers, _state("shared"), theta0.size)
    z = direction(RUN, 0, SHARED, theta0.size).astype(np.int32)
    # sorted codes 3 4 5 5 6 127 127: median 5, stored as twice the median
    assert np.array_equal(total, 10 * z) and coefficient == pytest.approx(1e-3 * 0.05 / 2)


def _probe_state(mode: str = "independent") -> RoundState:
    return RoundState(RUN, 0, mode, learning_rate=1e-3, scale=0.05, probes=3)  # type: ignore[arg-type]


def test_probes_average_every_code_along_its_own_direction(theta0: np.ndarray) -> None:
    records = [Record(RUN, 0, "a", (3, -1, 0)), Record(RUN, 0, "b", (0, 127, -5))]
    state = _probe_state()
    total, coefficient = accumulate(records, state, theta0.size)
    expected = sum(
        code * direction(RUN, 0, r.author, theta0.size, probe).astype(np.int32)
        for r in records
        for probe, code in enumerate(r.codes)
    )
    assert np.array_equal(total, expected)
    assert coefficient == pytest.approx(1e-3 * 0.05 / (2 * 3))  # mean over |R| · P codes
    assert round_update(theta0, records[::-1], state).tobytes() == (
        round_update(theta0, records, state).tobytes()
    )


def test_shared_probes_take_the_median_of_each_probe(theta0: np.ndarray) -> None:
    codes = [(3, -2), (5, -4), (4, 100), (127, 127), (127, 127)]
    records = [Record(RUN, 0, f"p{i}", c) for i, c in enumerate(codes)]
    state = RoundState(RUN, 0, "shared", learning_rate=1e-3, scale=0.05, probes=2)
    total, coefficient = accumulate(records, state, theta0.size)
    z0 = direction(RUN, 0, SHARED, theta0.size, 0).astype(np.int32)
    z1 = direction(RUN, 0, SHARED, theta0.size, 1).astype(np.int32)
    # probe 0: 3 4 5 127 127 -> 5; probe 1: -4 -2 100 127 127 -> 100 (twice each)
    assert np.array_equal(total, 10 * z0 + 200 * z1)
    assert coefficient == pytest.approx(1e-3 * 0.05 / (2 * 2))


def test_a_record_needs_one_code_per_probe(theta0: np.ndarray) -> None:
    with pytest.raises(ValueError, match="2 codes, not 3"):
        round_update(theta0, [Record(RUN, 0, "a", (1, 2))], _probe_state())
    with pytest.raises(ValueError, match="batches"):
        peer_record(NanLossFree(), theta0, [None], _probe_state(), "a", 1e-3)


class NanLossFree:
    def loss(self, theta_flat: np.ndarray, batch: object) -> float:
        return float(theta_flat.sum())


def test_peer_record_codes_each_probe_on_its_own_batch(theta0: np.ndarray) -> None:
    class Weighted:
        def loss(self, theta_flat: np.ndarray, batch: float) -> float:
            return batch * float(theta_flat.astype(np.float64).sum())

    state = _probe_state()
    record = peer_record(Weighted(), theta0, [1.0, 2.0, 0.0], state, "a", 1e-2)
    assert record is not None and len(record.codes) == 3
    for probe, weight in enumerate([1.0, 2.0, 0.0]):
        z = direction(RUN, 0, "a", theta0.size, probe)
        assert record.codes[probe] == encode(weight * float(z.sum()), state.scale)


def test_invalid_record_sets_are_rejected(theta0: np.ndarray) -> None:
    with pytest.raises(ValueError, match="same author"):
        round_update(theta0, [Record(RUN, 0, "a", (1,)), Record(RUN, 0, "a", (2,))], _state())
    with pytest.raises(ValueError, match="outside"):
        round_update(theta0, [Record(RUN, 0, "a", (128,))], _state())
    with pytest.raises(ValueError, match="unknown run"):
        round_update(theta0, [Record("other", 0, "a", (1,))], _state())
    with pytest.raises(ValueError, match="round"):
        round_update(theta0, [Record(RUN, 1, "a", (1,))], _state())


def test_nan_loss_gives_no_record(theta0: np.ndarray) -> None:
    class NanLoss:
        def loss(self, theta_flat: np.ndarray, batch: object) -> float:
            return math.nan

    assert peer_record(NanLoss(), theta0, [None], _state(), "a", 1e-3) is None


def test_float_baseline_skips_non_finite_scalars(theta0: np.ndarray) -> None:
    out = float_round_update(theta0, {"a": [0.5], "b": [math.nan]}, _state())
    only_a = float_round_update(theta0, {"a": [0.5]}, _state())
    assert out.tobytes() == only_a.tobytes() and not np.array_equal(out, theta0)


def test_one_byte_step_matches_the_fp32_step_on_the_same_scalars(theta0: np.ndarray) -> None:
    # the scale rule puts a median |g| on code 32, so rounding costs at most 1/64 of a |g|
    state = _state()
    grads = {f"peer{i}": g * 32 * state.scale for i, g in enumerate([1.0, -0.6, 2.2, -1.7])}
    codes = [Record(RUN, 0, a, (encode(g, state.scale) or 0,)) for a, g in grads.items()]
    fp32_step = float_round_update(theta0, {a: [g] for a, g in grads.items()}, state) - theta0
    byte_step = round_update(theta0, codes, state) - theta0
    error = np.linalg.norm(byte_step - fp32_step) / np.linalg.norm(fp32_step)
    assert 0 < error < 1 / 64
