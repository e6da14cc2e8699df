"""One contract, every backend: torch (reference) and onnxruntime (θ as one graph input)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from models.spsa.backend import Encoder
from models.spsa.bert import TINY, Weights
from models.spsa.directions import direction
from models.spsa.layout import ParamLayout
from models.spsa.polarity import PolarityBatch, PolarityLoss
from models.spsa.torch_backend import TorchEncoder


@pytest.fixture(scope="module")
def onnx_path(tiny: tuple[ParamLayout, Weights], tmp_path_factory: pytest.TempPathFactory) -> Path:
    from models.spsa.onnx_export import export_encoder

    layout, weights = tiny
    return export_encoder(TINY, layout, weights, tmp_path_factory.mktemp("onnx"))


@pytest.fixture(params=["torch", "onnxruntime"])
def encoder(
    request: pytest.FixtureRequest, tiny: tuple[ParamLayout, Weights], onnx_path: Path
) -> Encoder:
    layout, weights = tiny
    if request.param == "torch":
        return TorchEncoder(TINY, layout, weights)
    from models.spsa.ort_backend import OrtEncoder

    return OrtEncoder(onnx_path)


class TestEncoderContract:
    def test_embeddings_are_unit_vectors(
        self, encoder: Encoder, theta0: np.ndarray, batch: PolarityBatch
    ) -> None:
        out = encoder.embed(theta0, batch.input_ids, batch.attention_mask)
        assert out.shape == (batch.labels.size, TINY.hidden) and out.dtype == np.float32
        assert np.allclose(np.linalg.norm(out, axis=1), 1.0, atol=1e-5)

    def test_padding_does_not_change_an_embedding(
        self, encoder: Encoder, theta0: np.ndarray, batch: PolarityBatch
    ) -> None:
        ids, mask = batch.input_ids, batch.attention_mask
        padded_ids = np.concatenate([ids, np.zeros((ids.shape[0], 3), np.int64)], axis=1)
        padded_mask = np.concatenate([mask, np.zeros((ids.shape[0], 3), np.float32)], axis=1)
        a = encoder.embed(theta0, ids, mask)
        b = encoder.embed(theta0, padded_ids, padded_mask)
        assert np.allclose(a, b, atol=1e-6)

    def test_theta_changes_the_output(
        self, encoder: Encoder, theta0: np.ndarray, batch: PolarityBatch
    ) -> None:
        moved = theta0 + np.float32(0.05) * direction("r", 0, "p", theta0.size).astype(np.float32)
        a = encoder.embed(theta0, batch.input_ids, batch.attention_mask)
        b = encoder.embed(moved, batch.input_ids, batch.attention_mask)
        assert np.abs(a - b).max() > 1e-3

    def test_loss_matches_the_torch_reference(
        self,
        encoder: Encoder,
        tiny: tuple[ParamLayout, Weights],
        theta0: np.ndarray,
        batch: PolarityBatch,
    ) -> None:
        layout, weights = tiny
        reference = PolarityLoss(TorchEncoder(TINY, layout, weights))
        for k in range(3):
            theta = theta0 + np.float32(0.02) * direction("r", k, "p", theta0.size).astype(
                np.float32
            )
            assert PolarityLoss(encoder).loss(theta, batch) == pytest.approx(
                reference.loss(theta, batch), abs=1e-5
            )


def test_ort_backend_imports_without_torch() -> None:
    modules = "models.spsa.ort_backend, models.spsa.polarity, models.spsa.replica"
    code = f"import sys, {modules}; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_batched_forward_equals_single_forwards(
    tiny: tuple[ParamLayout, Weights], theta0: np.ndarray, batch: PolarityBatch
) -> None:
    layout, weights = tiny
    encoder = TorchEncoder(TINY, layout, weights)
    thetas = np.stack([theta0 + np.float32(0.01 * k) for k in range(3)])  # (P, D)
    ids = np.stack([batch.input_ids] * 3)
    mask = np.stack([batch.attention_mask] * 3)
    many = encoder.embed_many(thetas, ids, mask)
    for k in range(3):
        assert np.allclose(
            many[k], encoder.embed(thetas[k], batch.input_ids, batch.attention_mask), atol=1e-6
        )
