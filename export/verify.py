"""Refuse any model file that is not a byteswarm export, or that changed after export."""

from __future__ import annotations

import hashlib
from pathlib import Path

import onnx

from export.contract import Contract, read_sidecar, sidecar_path
from export.errors import ModelRefused
from export.onnx_file import has_external_data, opset_of, props_of, weights_sha256

_PICKLE = b"\x80"
_ZIP = b"PK"


def verify_bytes(blob: bytes, label: str = "model") -> tuple[onnx.ModelProto, Contract]:
    """Parse, check and read the contract of an in-memory model; raise ModelRefused."""
    if blob[:1] == _PICKLE or blob[:2] == _ZIP:
        raise ModelRefused(f"{label}: a pickle or zip archive, not ONNX (never unpickled)")
    try:
        model = onnx.load_model_from_string(blob)
    except Exception as exc:  # protobuf raises DecodeError or RuntimeWarning-ish errors
        raise ModelRefused(f"{label}: not an ONNX protobuf ({type(exc).__name__})") from None
    if not model.graph.node:
        raise ModelRefused(f"{label}: not an ONNX model (empty graph)")
    if has_external_data(model):
        raise ModelRefused(f"{label}: refers to external data files")
    try:
        onnx.checker.check_model(model, full_check=True)
    except (onnx.checker.ValidationError, onnx.shape_inference.InferenceError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ModelRefused(f"{label}: onnx checker: {first}") from None
    contract = Contract.from_props(props_of(model))
    if weights_sha256(model) != contract.weights_sha256:
        raise ModelRefused(f"{label}: weights do not match the contract's weights_sha256")
    if str(opset_of(model)) != contract.get("opset"):
        raise ModelRefused(f"{label}: opset differs from the contract")
    if str(model.ir_version) != contract.get("ir_version"):
        raise ModelRefused(f"{label}: IR version differs from the contract")
    return model, contract


def verify_model(path: Path) -> Contract:
    """Verify a model file (and its sidecar contract, if present beside it)."""
    blob = Path(path).read_bytes()
    _, contract = verify_bytes(blob, Path(path).name)
    sidecar = sidecar_path(Path(path))
    if sidecar.exists():
        side, file_sha = read_sidecar(sidecar)
        if dict(side.props) != dict(contract.props):
            raise ModelRefused(f"{sidecar.name}: differs from the model's embedded contract")
        if file_sha != hashlib.sha256(blob).hexdigest():
            raise ModelRefused(f"{sidecar.name}: file_sha256 does not match {Path(path).name}")
    return contract


def load_contract(path: Path) -> Contract:
    """The contract of a verified byteswarm model file (raises ModelRefused otherwise)."""
    return verify_model(path)
