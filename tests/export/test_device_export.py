"""Device model round trip: contract, parity, goldens, zero prompt, determinism, int8, ORT."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import onnx

from export import onnx_file, runtime
from export.contract import PREFIX, REQUIRED, read_sidecar, sidecar_path
from export.goldens import read_golden
from export.pipeline import AGREEMENT_FLOOR, PARITY_TOLERANCE
from export.verify import load_contract
from export.versions import ANDROID_ORT_VERSION, DEFAULT_OPSET, ir_version_for
from tests.export.conftest import REPO, Exported


def test_checker_clean_and_contract_matches_sidecar(device_export: Exported) -> None:
    path = device_export.out / "device.onnx"
    contract = load_contract(path)  # full onnx.checker, weights hash, sidecar
    model = onnx.load_model(str(path))
    onnx.checker.check_model(model, full_check=True)
    assert all(PREFIX + k in contract.props for k in REQUIRED)
    side, file_sha = read_sidecar(sidecar_path(path))
    assert file_sha == hashlib.sha256(path.read_bytes()).hexdigest()
    assert dict(side.props) == dict(contract.props)
    assert contract.inputs == ("image", "prompt")
    assert contract.prompt_inputs == ("prompt",)
    assert contract.shape("image") == ("batch", 1, 16, 16)
    assert contract.shape("prompt") == (1, 1, 16, 16)
    assert contract.shape("logits") == ("batch", 10)
    assert contract.labels == tuple(str(i) for i in range(10))
    assert contract.get("onnxruntime_android") == ANDROID_ORT_VERSION
    assert model.ir_version == ir_version_for(DEFAULT_OPSET) == int(contract.get("ir_version"))
    assert [i.name for i in model.graph.input] == list(contract.inputs)


def test_no_debug_metadata_or_paths_left(device_export: Exported) -> None:
    blob = (device_export.out / "device.onnx").read_bytes()
    model = onnx.load_model_from_string(blob)
    assert all(not n.metadata_props for n in model.graph.node)
    assert all(p.key.startswith(PREFIX) for p in model.metadata_props)
    for marker in (b"stack_trace", b"pkg.torch", str(Path.cwd()).encode(), b"/tmp/"):
        assert marker not in blob


def test_parity_within_tolerance(device_export: Exported) -> None:
    fp32 = device_export.report.variants[0]
    assert fp32.variant == "fp32"
    assert fp32.parity_scaled is not None and fp32.parity_scaled <= PARITY_TOLERANCE


def test_goldens_reproduced(device_export: Exported) -> None:
    golden = device_export.out / "device.golden"
    sess = runtime.session((device_export.out / "device.onnx").read_bytes())
    for prefix in ("", "prompted."):
        feeds = {n: read_golden(golden, f"{prefix}input.{n}.npy") for n in ("image", "prompt")}
        want = read_golden(golden, f"{prefix}output.logits.npy")
        np.testing.assert_array_equal(runtime.run(sess, feeds), want)
    prompted = read_golden(golden, "prompted.output.logits.npy")
    assert not np.array_equal(prompted, read_golden(golden, "output.logits.npy"))


def test_zero_prompt_is_bit_exact_with_plain_model(device_export: Exported) -> None:
    from export.device import device_spec
    from export.torch_export import export_onnx

    spec = device_spec(cache_dir=device_export.cache)
    plain = spec.module.get_submodule("model")  # the folded CNN, no prompt wrapper
    spec.module, spec.input_names, spec.example = plain, ("image",), spec.example[:1]
    plain_sess = runtime.session(onnx_file.serialize(export_onnx(spec, DEFAULT_OPSET)))
    prompted = runtime.session((device_export.out / "device.onnx").read_bytes())
    for feeds in spec.heldout:
        assert np.count_nonzero(feeds["prompt"]) == 0
        np.testing.assert_array_equal(runtime.run(prompted, feeds), runtime.run(plain_sess, feeds))


def test_same_weights_same_bytes_from_another_process_and_cwd(
    device_export: Exported, tmp_path: Path
) -> None:
    again = tmp_path / "elsewhere" / "out"
    code = (
        "import sys; from pathlib import Path; from export.device import device_spec; "
        "from export.pipeline import export_model; "
        "export_model(device_spec(cache_dir=Path(sys.argv[1])), Path(sys.argv[2]))"
    )
    env = os.environ | {"PYTHONHASHSEED": "12345", "PYTHONPATH": str(REPO)}
    subprocess.run([sys.executable, "-c", code, str(device_export.cache), str(again)],
                   cwd=tmp_path, env=env, check=True, timeout=600)  # fmt: skip
    for name in ("device.onnx", "device.contract.json"):
        assert (again / name).read_bytes() == (device_export.out / name).read_bytes()
    for golden in (device_export.out / "device.golden").iterdir():
        assert (again / "device.golden" / golden.name).read_bytes() == golden.read_bytes()


def test_int8_variant_judged_on_agreement(device_export: Exported) -> None:
    int8 = device_export.report.variants[1]
    assert int8.variant == "int8-dynamic"
    assert int8.heldout == 797
    assert int8.agreement is not None and int8.agreement >= AGREEMENT_FLOOR
    contract = load_contract(device_export.out / int8.file)
    assert contract.variant == "int8-dynamic"
    fp32 = load_contract(device_export.out / "device.onnx")
    assert contract.weights_sha256 != fp32.weights_sha256
    report = json.loads((device_export.out / "device.export.json").read_text())
    assert report["variants"][1]["agreeing"] == int8.agreeing


def test_ort_format_and_mobile_reports_written(device_export: Exported) -> None:
    for variant in device_export.report.variants:
        stem = Path(variant.file).stem
        assert (device_export.out / f"{stem}.ort").stat().st_size > 0
        usability = (device_export.out / f"{stem}.mobile_usability.txt").read_text()
        assert "Checking NNAPI" in usability
        assert (
            "Converted 1/1 models successfully"
            in (device_export.out / f"{stem}.ort_conversion.txt").read_text()
        )


def test_fixed_batch(device_export: Exported, tmp_path: Path) -> None:
    from export.device import device_spec
    from export.pipeline import ExportOptions, export_model

    spec = device_spec(cache_dir=device_export.cache)
    report = export_model(spec, tmp_path, ExportOptions(fixed_batch=3))
    contract = load_contract(tmp_path / "device.onnx")
    assert contract.shape("image") == (3, 1, 16, 16) and contract.shape("logits") == (3, 10)
    scaled = report.variants[0].parity_scaled  # fed in chunks of 3
    assert scaled is not None and scaled <= PARITY_TOLERANCE
    golden = read_golden(tmp_path / "device.golden", "output.logits.npy")
    np.testing.assert_array_equal(golden, read_golden(device_export.out / "device.golden",
                                                      "output.logits.npy"))  # fmt: skip


def test_android_assets_copy(device_export: Exported, tmp_path: Path) -> None:
    from export.android import ASSET_NAMES, copy_to_assets

    copied = copy_to_assets(device_export.out, tmp_path / "assets")
    assert sorted(p.name for p in copied) == sorted(ASSET_NAMES)
    assert (tmp_path / "assets" / "device.onnx").read_bytes() == (
        device_export.out / "device.onnx"
    ).read_bytes()
    prompt = np.load(tmp_path / "assets" / "prompt.npy")
    assert prompt.shape == (256,) and not prompt.any()  # neutral additive prompt
    assert np.load(tmp_path / "assets" / "digits.npy").shape == (8, 8, 8)
