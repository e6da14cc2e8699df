"""A model file that is not ours, or was altered after export, is refused."""

from __future__ import annotations

import pickle
import shutil
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import numpy_helper

from export.contract import sidecar_path
from export.errors import ModelRefused
from export.onnx_file import serialize
from export.verify import load_contract, verify_bytes, verify_model
from tests.export.conftest import Exported


@pytest.fixture
def model(device_export: Exported) -> onnx.ModelProto:
    return onnx.load_model(str(device_export.out / "device.onnx"))


def _refused(blob: bytes, match: str) -> None:
    with pytest.raises(ModelRefused, match=match):
        verify_bytes(blob)


def test_without_contract_refused(model: onnx.ModelProto) -> None:
    del model.metadata_props[:]
    _refused(serialize(model), "no byteswarm contract")


def test_tampered_weights_refused(model: onnx.ModelProto) -> None:
    tensor = model.graph.initializer[0]
    values = numpy_helper.to_array(tensor).copy()
    values.flat[0] += np.float32(0.5)
    tensor.CopyFrom(numpy_helper.from_array(values, tensor.name))
    _refused(serialize(model), "weights do not match")


def test_external_data_refused(model: onnx.ModelProto, tmp_path: Path) -> None:
    path = tmp_path / "external.onnx"
    onnx.save_model(model, str(path), save_as_external_data=True, size_threshold=0,
                    location="weights.bin")  # fmt: skip
    with pytest.raises(ModelRefused, match="external data"):
        verify_model(path)


def test_checker_failure_refused(model: onnx.ModelProto) -> None:
    model.graph.node[0].input[0] = "nowhere"
    _refused(serialize(model), "onnx checker")


def test_pickle_and_garbage_refused(tmp_path: Path) -> None:
    _refused(pickle.dumps({"weights": [1, 2, 3]}), "pickle")
    _refused(b"PK\x03\x04 torch zip", "zip")
    _refused(b"\x0a\x05hello", "not an ONNX")


def test_sidecar_must_match(device_export: Exported, tmp_path: Path) -> None:
    path = tmp_path / "device.onnx"
    shutil.copyfile(device_export.out / "device.onnx", path)
    shutil.copyfile(device_export.out / "device.contract.json", sidecar_path(path))
    assert load_contract(path).model == "device"
    int8 = device_export.out / "device.int8-dynamic.onnx"
    shutil.copyfile(int8, path)  # a verified model, but not the one the sidecar describes
    with pytest.raises(ModelRefused, match=r"differs|file_sha256"):
        verify_model(path)
