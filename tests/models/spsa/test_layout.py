from __future__ import annotations

import numpy as np
import pytest

from models.spsa.bert import MINILM_L6, weight_shapes
from models.spsa.layout import ParamLayout, bitfit_layout


def test_minilm_bitfit_subset_has_31104_values() -> None:
    layout = bitfit_layout(weight_shapes(MINILM_L6))
    assert layout.size == 31_104
    assert [n for n, _ in layout.entries] == sorted(n for n, _ in layout.entries)
    assert all(n.endswith(".bias") or n.endswith("LayerNorm.weight") for n, _ in layout.entries)


def test_flatten_unflatten_round_trip() -> None:
    layout = ParamLayout("t1", (("a", (2, 3)), ("b", (4,))))
    tensors = {"a": np.arange(6, dtype=np.float32).reshape(2, 3), "b": np.ones(4, np.float32)}
    theta = layout.flatten(tensors)
    assert theta.dtype == np.float32 and theta.shape == (10,)
    views = layout.unflatten(theta)
    assert np.array_equal(views["a"], tensors["a"]) and np.array_equal(views["b"], tensors["b"])
    with pytest.raises(ValueError):
        layout.flatten({"a": np.zeros((3, 2), np.float32), "b": tensors["b"]})


def test_digest_pins_version_names_and_shapes() -> None:
    base = ParamLayout("t1", (("a", (2,)),))
    assert base.digest == ParamLayout("t1", (("a", (2,)),)).digest
    assert base.digest != ParamLayout("t2", (("a", (2,)),)).digest
    assert base.digest != ParamLayout("t1", (("a", (3,)),)).digest
