"""The device model with a geometric prompt: the warp input in the graph, the contract,
neutral = plain model, torch vs onnxruntime (Python and the pinned onnxruntime-node)."""

from __future__ import annotations

import numpy as np

from export import onnx_file, runtime
from export.goldens import read_golden
from export.pipeline import PARITY_TOLERANCE
from export.verify import load_contract
from export.versions import DEFAULT_OPSET
from models.adapt.prompts import warp_filter_feature_family
from tests.export.conftest import Exported
from tests.export.test_node_parity import _node

PARTS = ("warp", "filter", "scale1", "shift1", "scale2", "shift2")


def test_contract_declares_the_warp_input(warp_device_export: Exported) -> None:
    contract = load_contract(warp_device_export.out / "device.onnx")
    assert contract.inputs == ("image", *PARTS) and contract.prompt_inputs == PARTS
    assert contract.shape("warp") == (2, 3)
    assert contract.get("prompt.family") == "warp_filter_feature"
    assert contract.get("prompt.size") == str(warp_filter_feature_family().size) == "63"
    assert contract.get("prompt.input.warp.neutral") == "0.0"
    assert "align_corners=false" in contract.get("prompt.input.warp.meaning")
    import onnx

    model = onnx.load_model(str(warp_device_export.out / "device.onnx"))
    assert "GridSample" in {n.op_type for n in model.graph.node}


def test_parity_and_goldens(warp_device_export: Exported) -> None:
    fp32 = warp_device_export.report.variants[0]
    assert fp32.parity_scaled is not None and fp32.parity_scaled <= PARITY_TOLERANCE
    golden = warp_device_export.out / "device.golden"
    sess = runtime.session((warp_device_export.out / "device.onnx").read_bytes())
    for prefix in ("", "prompted."):
        feeds = {n: read_golden(golden, f"{prefix}input.{n}.npy") for n in ("image", *PARTS)}
        want = read_golden(golden, f"{prefix}output.logits.npy")
        np.testing.assert_array_equal(runtime.run(sess, feeds), want)
    moved = read_golden(golden, "prompted.input.warp.npy")
    assert np.abs(moved).max() > 0.05  # the prompted golden really warps


def test_neutral_warp_prompt_is_the_plain_model(warp_device_export: Exported) -> None:
    from export.device import device_spec
    from export.torch_export import export_onnx

    spec = device_spec(family_name="warp_filter_feature", cache_dir=warp_device_export.cache)
    plain = spec.module.get_submodule("model")
    spec.module, spec.input_names, spec.example = plain, ("image",), spec.example[:1]
    plain_sess = runtime.session(onnx_file.serialize(export_onnx(spec, DEFAULT_OPSET)))
    prompted = runtime.session((warp_device_export.out / "device.onnx").read_bytes())
    for feeds in spec.heldout:
        assert not feeds["warp"].any()
        gap = np.abs(runtime.run(prompted, feeds) - runtime.run(plain_sess, feeds)).max()
        assert gap <= 1e-6, gap


def test_warp_goldens_in_the_pinned_onnxruntime_node(warp_device_export: Exported) -> None:
    out = warp_device_export.out
    for stem in ("device", "device.int8-dynamic"):
        for suffix in (".onnx", ".ort"):
            report = _node(out / f"{stem}{suffix}", out / "device.golden")
            sets = report["sets"]
            assert isinstance(sets, dict) and set(sets) == {"plain.", "prompted."}, report
            assert all(r["top1_agree"] == r["rows"] for r in sets.values()), (stem, sets)
            if stem == "device":
                assert all(r["scaled"] <= PARITY_TOLERANCE for r in sets.values()), sets
