"""Polarity model: a tiny random BERT keeps the round trip fast; MiniLM itself is slow."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from export import runtime
from export.goldens import read_golden
from export.pipeline import PARITY_TOLERANCE, export_model
from export.verify import load_contract
from tests.export.conftest import Exported


def test_tiny_polarity_contract_parity_goldens(tiny_polarity_export: Exported) -> None:
    path = tiny_polarity_export.out / "polarity.onnx"
    contract = load_contract(path)
    assert contract.model == "polarity" and contract.get("task") == "word-polarity"
    assert contract.inputs == ("input_ids", "attention_mask")
    assert contract.shape("input_ids") == ("batch", "tokens")
    assert contract.shape("logits") == ("batch", 2)
    assert contract.labels == ("negative", "positive")
    assert contract.prompt_inputs == ()
    assert len(contract.get("preprocess.tokenizer_sha256")) == 64
    fp32 = tiny_polarity_export.report.variants[0]
    assert fp32.parity_scaled is not None and fp32.parity_scaled <= PARITY_TOLERANCE
    golden = tiny_polarity_export.out / "polarity.golden"
    feeds = {n: read_golden(golden, f"input.{n}.npy") for n in contract.inputs}
    assert feeds["input_ids"].dtype == np.int64 and feeds["attention_mask"].dtype == np.float32
    sess = runtime.session(path.read_bytes())
    np.testing.assert_array_equal(
        runtime.run(sess, feeds), read_golden(golden, "output.logits.npy")
    )


def test_int8_below_agreement_floor_is_not_written(tiny_polarity_export: Exported) -> None:
    """The random tiny encoder has near-tied scores: int8 flips some, and is refused."""
    report = tiny_polarity_export.report
    assert [v.variant for v in report.variants] == ["fp32"]
    (reason,) = report.rejected
    assert re.match(r"polarity.int8-dynamic.onnx: top-1 agreement \d+/1117 = .* < 99%", reason)
    assert not (tiny_polarity_export.out / "polarity.int8-dynamic.onnx").exists()


@pytest.mark.slow
def test_minilm_polarity_export(tmp_path: Path) -> None:
    from export.polarity import polarity_spec

    report = export_model(polarity_spec(), tmp_path)
    contract = load_contract(tmp_path / "polarity.onnx")
    assert contract.get("encoder") == "all-MiniLM-L6-v2"
    scaled = report.variants[0].parity_scaled
    assert scaled is not None and scaled <= PARITY_TOLERANCE
    assert report.variants[0].size_bytes > 80_000_000  # all 22.7 M float32 weights inline


def test_finetune_checkpoint_theta_is_loaded(tmp_path: Path) -> None:
    from export.errors import ExportError
    from export.polarity import load_theta
    from models.spsa.bert import tiny_weights
    from models.spsa.layout import bitfit_layout
    from models.spsa.replica import Checkpoint

    base = tiny_weights(0)
    layout = bitfit_layout({n: w.shape for n, w in base.items()})
    theta = layout.flatten(base) + np.float32(0.25)
    path = tmp_path / "ckpt.safetensors"
    path.write_bytes(Checkpoint(3, theta, (1.0, 1.0, 1.0, 1.0)).to_bytes(layout))
    np.testing.assert_array_equal(load_theta(path, layout, base), theta)
    np.testing.assert_array_equal(load_theta(None, layout, base), layout.flatten(base))
    short = tmp_path / "short.safetensors"
    short.write_bytes(Checkpoint(0, theta[:5].copy(), (1.0,)).to_bytes(layout))
    with pytest.raises(ExportError, match="layout needs"):
        load_theta(short, layout, base)
