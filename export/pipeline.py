"""export_model: torch -> checked, contracted ONNX files (+ int8, ORT, reports) in DIR."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import onnx

from export import goldens, mobile, onnx_file, runtime, versions
from export.contract import CONTRACT_VERSION, Contract, join, key, sidecar_path
from export.errors import ExportError
from export.quantize import quantize
from export.spec import ModelSpec
from export.torch_export import export_onnx
from export.verify import verify_bytes

PARITY_TOLERANCE = 1e-5
AGREEMENT_FLOOR = 0.99


@dataclass(frozen=True)
class ExportOptions:
    opset: int = versions.DEFAULT_OPSET
    int8: str | None = None
    ort_format: bool = False
    fixed_batch: int | None = None


@dataclass
class VariantReport:
    variant: str
    file: str
    size_bytes: int
    sha256: str
    weights_sha256: str
    parity_max_abs: float | None = None
    """fp32: largest |onnxruntime - torch| on the goldens and the held-out split."""
    parity_scaled: float | None = None
    """The same divided by max(1, max |torch output|) per batch: gated at 1e-5."""
    agreement: float | None = None
    """int8: top-1 agreement with the fp32 file on the held-out split."""
    agreeing: int | None = None
    heldout: int | None = None
    ort_file: str | None = None
    reports: list[str] = field(default_factory=list)


@dataclass
class ExportReport:
    model: str
    opset: int
    ir_version: int
    onnxruntime_android: str
    variants: list[VariantReport]
    rejected: list[str] = field(default_factory=list)
    """Variants not written, with the reason (e.g. int8 agreement below the floor)."""

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True) + "\n"


def _io_props(model: onnx.ModelProto) -> dict[str, str]:
    init = {t.name for t in model.graph.initializer}
    inputs = [v for v in model.graph.input if v.name not in init]
    props = {key("inputs"): join([v.name for v in inputs])}
    props[key("outputs")] = join([v.name for v in model.graph.output])
    for kind, values in (("input", inputs), ("output", list(model.graph.output))):
        for v in values:
            props[key(f"{kind}.{v.name}.shape")] = join(list(onnx_file.io_shape(v)))
            props[key(f"{kind}.{v.name}.dtype")] = onnx_file.io_dtype(v)
    return props


def finalize(model: onnx.ModelProto, spec: ModelSpec, variant: str) -> bytes:
    """Strip, pin the IR version, embed the contract; returns the file's bytes."""
    onnx_file.strip_debug(model)
    opset = onnx_file.opset_of(model)
    onnx_file.pin_versions(model, versions.ir_version_for(opset))
    props = {key(k): v for k, v in spec.contract.items()}
    props |= {
        key("contract_version"): CONTRACT_VERSION,
        key("model"): spec.name,
        key("variant"): variant,
        key("weights_sha256"): onnx_file.weights_sha256(model),
        key("source_sha256"): spec.source_sha256,
        key("opset"): str(opset),
        key("ir_version"): str(model.ir_version),
        key("onnxruntime_android"): versions.ANDROID_ORT_VERSION,
    }
    onnx_file.set_props(model, props | _io_props(model))
    return onnx_file.serialize(model)


def _write(out_dir: Path, name: str, blob: bytes) -> VariantReport:
    path = out_dir / name
    _, contract = verify_bytes(blob, name)
    path.write_bytes(blob)
    sha = hashlib.sha256(blob).hexdigest()
    sidecar_path(path).write_text(contract.to_json(name, sha), encoding="utf-8")
    return VariantReport(contract.variant, name, len(blob), sha, contract.weights_sha256)


def export_model(
    spec: ModelSpec,
    out_dir: Path,
    options: ExportOptions = ExportOptions(),
    log: Callable[[str], None] = lambda _: None,
) -> ExportReport:
    if not versions.MIN_OPSET <= options.opset <= versions.MAX_OPSET:
        lo, hi = versions.MIN_OPSET, versions.MAX_OPSET
        raise ExportError(f"--opset must be within {lo}..{hi}, not {options.opset}")
    out_dir.mkdir(parents=True, exist_ok=True)
    log(f"exporting {spec.name} (dynamo, opset {options.opset})")
    proto = export_onnx(spec, options.opset)
    if options.fixed_batch is not None:
        onnx_file.fix_dimension(proto, "batch", options.fixed_batch)
    fp32_blob = finalize(proto, spec, "fp32")
    report = _write(out_dir, f"{spec.name}.onnx", fp32_blob)
    batched = tuple(spec.dynamic_axes)
    fp32 = runtime.session(fp32_blob)
    parity = runtime.parity(fp32, spec, [spec.golden_feeds, *spec.heldout])
    report.parity_max_abs, report.parity_scaled = parity.max_abs, parity.scaled
    log(f"fp32 parity vs torch: max |diff| {parity.max_abs:.2e}, scaled {parity.scaled:.2e}")
    if parity.scaled > PARITY_TOLERANCE:
        raise ExportError(f"parity {parity.scaled:.2e} exceeds {PARITY_TOLERANCE:.0e}")
    files = goldens.golden_files(spec.golden_feeds, {
        spec.output_names[0]: runtime.run(fp32, spec.golden_feeds, batched)})  # fmt: skip
    for set_name, feeds in spec.golden_extra_outputs.items():
        out = {spec.output_names[0]: runtime.run(fp32, feeds, batched)}
        files |= goldens.golden_files(feeds, out, prefix=f"{set_name}.")
    files |= {f"extra.{n}.npy": goldens.npy_bytes(a) for n, a in spec.golden_extra.items()}
    goldens.write_goldens(out_dir / f"{spec.name}.golden", files)
    reports = [report]
    rejected: list[str] = []

    if options.int8 is not None:
        log(f"quantizing int8 {options.int8}")
        q_model = quantize(onnx.load_model_from_string(fp32_blob), options.int8,
                           spec.calibration, spec.quantize_exclude_inputs, batched)  # fmt: skip
        q_blob = finalize(q_model, spec, f"int8-{options.int8}")
        verify_bytes(q_blob, "int8 variant")
        agree = runtime.agreement(runtime.session(q_blob), fp32, spec.heldout, batched)
        log(f"int8 {options.int8} top-1 agreement {agree.agreeing}/{agree.total}")
        name = f"{spec.name}.int8-{options.int8}.onnx"
        if agree.rate < AGREEMENT_FLOOR:
            rejected.append(
                f"{name}: top-1 agreement {agree.agreeing}/{agree.total} = {agree.rate:.2%}"
                f" < {AGREEMENT_FLOOR:.0%}; not written"
            )
            log(rejected[-1])
        else:
            q_report = _write(out_dir, name, q_blob)
            q_report.agreement, q_report.agreeing, q_report.heldout = (
                agree.rate, agree.agreeing, agree.total)  # fmt: skip
            reports.append(q_report)

    for variant in reports:
        model_path = out_dir / variant.file
        stem = model_path.stem
        text = mobile.usability_report(model_path)
        (out_dir / f"{stem}.mobile_usability.txt").write_text(text, encoding="utf-8")
        variant.reports.append(f"{stem}.mobile_usability.txt")
        if options.ort_format:
            log(f"converting {variant.file} to ORT format")
            ort_file, text = mobile.convert_to_ort(model_path, out_dir)
            (out_dir / f"{stem}.ort_conversion.txt").write_text(text, encoding="utf-8")
            variant.ort_file = ort_file.name
            variant.reports.append(f"{stem}.ort_conversion.txt")

    first = Contract.from_props(onnx_file.props_of(onnx.load_model_from_string(fp32_blob)))
    result = ExportReport(
        spec.name, int(first.get("opset")), int(first.get("ir_version")),
        versions.ANDROID_ORT_VERSION, reports, rejected,
    )  # fmt: skip
    (out_dir / f"{spec.name}.export.json").write_text(result.to_json(), encoding="utf-8")
    return result
