"""``byteswarm export --model device --prompt``: a device's accepted prompt baked into the
graph, as the node writes it (node/adapt/prompt_file.py), checked against the device's own
prompted model in onnxruntime."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from export.cli import export
from export.verify import load_contract
from node.adapt.prompt_file import prompt_paths, save_prompt

FAMILY = "filter_feature"


def saved_prompt(data_dir: Path, flat: np.ndarray) -> Path:
    meta = {"version": 7, "sha256": "ab" * 32, "cloud": "12D3KooWcloud", "device": "12D3KooWme"}
    return save_prompt(data_dir, FAMILY, flat, meta)


def test_the_node_writes_the_prompt_as_the_contract_says(tmp_path: Path) -> None:
    flat = np.arange(12, dtype=np.float32)
    path = saved_prompt(tmp_path, flat)
    npy, sidecar = prompt_paths(tmp_path, FAMILY)
    assert path == npy
    loaded = np.load(npy, allow_pickle=False)
    assert loaded.dtype == np.dtype("<f4") and np.array_equal(loaded, flat)
    assert json.loads(sidecar.read_text())["version"] == 7
    assert not list(npy.parent.glob("*.tmp"))


def test_export_bakes_the_prompt_in(tmp_path: Path) -> None:
    import onnxruntime as ort

    from export.device import load_device
    from models.adapt import digits
    from models.adapt.onnx_export import export_device_onnx
    from models.adapt.prompts import family_by_name
    from models.adapt.runner import DeviceRunner

    family = family_by_name(FAMILY)
    rng = np.random.default_rng(1)
    flat = (family.neutral() + rng.normal(0, 0.1, family.size)).astype(np.float32)
    npy = saved_prompt(tmp_path / "node", flat)
    out = tmp_path / "out"
    args = ["--model", "device", "--prompt-family", FAMILY, "--prompt", str(npy), "--out", str(out)]
    result = CliRunner().invoke(export, args)
    assert result.exit_code == 0, result.output
    model = out / "device_adapted.onnx"
    contract = load_contract(model)
    assert contract.get("prompt.applied") == "true"
    assert contract.get("prompt.applied.version") == "7"
    assert contract.prompt_inputs == ()
    session = ort.InferenceSession(str(model), providers=["CPUExecutionProvider"])
    assert [i.name for i in session.get_inputs()] == ["image"]
    images = digits.to_unit(digits.load_digit_splits().val_images[:64])
    baked = session.run(None, {"image": images})[0]
    device = DeviceRunner(export_device_onnx(load_device(None).fold(), family))
    np.testing.assert_allclose(baked, device(images, family.split(flat)), atol=1e-4)
    neutral = device(images, family.split(family.neutral()))
    assert np.abs(baked - neutral).max() > 1e-2  # the prompt is in the graph, not ignored


@pytest.mark.parametrize(
    ("values", "error"),
    [(np.zeros(3, np.float32), "want a flat float prompt"), (None, "NaN or inf")],
)
def test_a_bad_prompt_file_is_one_line_and_exit_2(
    tmp_path: Path, values: np.ndarray | None, error: str
) -> None:
    from models.adapt.prompts import family_by_name

    size = family_by_name(FAMILY).size
    flat = np.full(size, np.nan, np.float32) if values is None else values
    npy = tmp_path / "p.npy"
    np.save(npy, flat)
    args = ["--model", "device", "--prompt-family", FAMILY, "--prompt", str(npy)]
    result = CliRunner().invoke(export, [*args, "--out", str(tmp_path / "o")])
    assert result.exit_code == 2 and error in result.output.strip().splitlines()[-1]


def test_prompt_only_for_the_device_model(tmp_path: Path) -> None:
    npy = tmp_path / "p.npy"
    np.save(npy, np.zeros(3, np.float32))
    args = ["--model", "polarity", "--prompt", str(npy), "--out", str(tmp_path / "o")]
    result = CliRunner().invoke(export, args)
    assert result.exit_code == 2 and "device model only" in result.output
