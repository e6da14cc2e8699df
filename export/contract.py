"""The model contract: flat ``byteswarm.*`` string properties stored in the ONNX file's
metadata, mirrored in a sidecar ``<stem>.contract.json``.

Flat strings keep the contract readable from onnxruntime's metadata API on any platform
(the Android app parses it with a few lines of Kotlin). Lists are comma-separated; shapes
use a symbolic name (``batch``) for dynamic dimensions.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from export.errors import ModelRefused

PREFIX = "byteswarm."
CONTRACT_VERSION = "1"
REQUIRED = (
    "contract_version", "model", "task", "variant", "inputs", "outputs", "labels",
    "weights_sha256", "source_sha256", "opset", "ir_version",
)  # fmt: skip


def key(name: str) -> str:
    return PREFIX + name


def join(values: tuple[object, ...] | list[object]) -> str:
    return ",".join(str(v) for v in values)


@dataclass(frozen=True)
class Contract:
    """A typed read-only view of the ``byteswarm.*`` properties."""

    props: Mapping[str, str]

    @classmethod
    def from_props(cls, props: Mapping[str, str]) -> Contract:
        ours = {k: v for k, v in props.items() if k.startswith(PREFIX)}
        missing = [k for k in REQUIRED if key(k) not in ours]
        if missing:
            raise ModelRefused(f"no byteswarm contract (missing {', '.join(missing)})")
        contract = cls(dict(sorted(ours.items())))
        if contract.version != CONTRACT_VERSION:
            raise ModelRefused(f"contract version {contract.version} is not {CONTRACT_VERSION}")
        for name in contract.inputs:
            contract.get(f"input.{name}.shape"), contract.get(f"input.{name}.dtype")
        for name in contract.outputs:
            contract.get(f"output.{name}.shape"), contract.get(f"output.{name}.dtype")
        return contract

    def get(self, name: str) -> str:
        try:
            return self.props[key(name)]
        except KeyError:
            raise ModelRefused(f"contract lacks {key(name)}") from None

    def items(self, name: str) -> tuple[str, ...]:
        value = self.get(name)
        return tuple(value.split(",")) if value else ()

    @property
    def version(self) -> str:
        return self.get("contract_version")

    @property
    def model(self) -> str:
        return self.get("model")

    @property
    def variant(self) -> str:
        return self.get("variant")

    @property
    def inputs(self) -> tuple[str, ...]:
        return self.items("inputs")

    @property
    def outputs(self) -> tuple[str, ...]:
        return self.items("outputs")

    @property
    def labels(self) -> tuple[str, ...]:
        return self.items("labels")

    @property
    def prompt_inputs(self) -> tuple[str, ...]:
        return self.items("prompt.inputs") if key("prompt.inputs") in self.props else ()

    @property
    def weights_sha256(self) -> str:
        return self.get("weights_sha256")

    def shape(self, io_name: str) -> tuple[int | str, ...]:
        """Declared shape of an input or output; symbolic dimensions stay strings."""
        kind = "input" if io_name in self.inputs else "output"
        dims = self.items(f"{kind}.{io_name}.shape")
        return tuple(int(d) if d.isdigit() else d for d in dims)

    def to_json(self, model_file: str, model_sha256: str) -> str:
        body = {"contract": dict(self.props), "file": model_file, "file_sha256": model_sha256}
        return json.dumps(body, indent=2, sort_keys=True) + "\n"


def sidecar_path(model_path: Path) -> Path:
    return model_path.with_name(model_path.stem + ".contract.json")


def read_sidecar(path: Path) -> tuple[Contract, str]:
    """(contract, sha256 of the model file it describes)."""
    body = json.loads(path.read_text(encoding="utf-8"))
    return Contract.from_props(body["contract"]), str(body["file_sha256"])
