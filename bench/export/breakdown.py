"""Where a batch-1 device inference spends its time, torch eager vs onnxruntime (issue 6).

python -m bench.export.breakdown --json bench/results/onnx_breakdown.json

Device fp32 (default weights: seed 0), one image, zero prompt, one thread. Every path runs
interleaved with the others in rounds (bench.export.timing.interleaved_ms: median of individually
timed calls), so contention from other processes hits all alike. Paths:
torch eager and its separate ops; onnxruntime through ``session.run`` (with and without
output names), the IOBinding runner (export.bound_runner, copies in and out), a bare
IOBinding run on inputs already in place (no Python work around the call: a floor for any
Python path, not a usable inference), the same without NCHWc layouts (ORT_ENABLE_EXTENDED)
and with the batch fixed to 1, and an Identity graph through IOBinding (the per-call cost
of onnxruntime itself).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import torch
import torch.nn.functional as F
from onnx import TensorProto, helper

from bench.export.timing import interleaved_ms, machine
from export import onnx_file
from export.bound_runner import BoundDeviceRunner, cpu_session
from models.adapt.nets import FoldedDeviceCNN

ROUNDS, CALLS, REPEATS = 20, 100, 3


def _bare(session: ort.InferenceSession, feeds: dict[str, np.ndarray]) -> Callable[[], object]:
    """IOBinding run with the inputs already bound: no copy, no key, no lock."""
    binding = session.io_binding()
    keep = [ort.OrtValue.ortvalue_from_numpy(np.ascontiguousarray(v)) for v in feeds.values()]
    for name, value in zip(feeds, keep, strict=True):
        binding.bind_ortvalue_input(name, value)
    first = session.run(None, feeds)[0]
    keep.append(ort.OrtValue.ortvalue_from_numpy(np.empty_like(first)))
    binding.bind_ortvalue_output(session.get_outputs()[0].name, keep[-1])

    def call(keep: list[ort.OrtValue] = keep) -> object:  # keep: the binding does not own them
        return session.run_with_iobinding(binding)

    return call


def _identity_session() -> ort.InferenceSession:
    value = helper.make_tensor_value_info("image", TensorProto.FLOAT, ["batch", 1, 16, 16])
    out = helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", 1, 16, 16])
    graph = helper.make_graph([helper.make_node("Identity", ["image"], ["logits"])], "id",
                              [value], [out])  # fmt: skip
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 20)])
    model.ir_version = 9
    return cpu_session(model.SerializeToString())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, required=True)
    args = parser.parse_args()
    torch.set_num_threads(1)
    import tempfile

    from export.device import device_spec
    from export.pipeline import ExportOptions, export_model

    spec = device_spec()
    with tempfile.TemporaryDirectory(prefix="bench-onnx-breakdown-") as tmp:
        report = export_model(spec, Path(tmp), ExportOptions())
        blob = (Path(tmp) / report.variants[0].file).read_bytes()
    fixed_model = onnx.load_model_from_string(blob)
    onnx_file.fix_dimension(fixed_model, "batch", 1)
    image = np.ascontiguousarray(spec.heldout[0]["image"][:1], np.float32)  # (1, 1, 16, 16)
    prompt = np.asarray(spec.heldout[0]["prompt"], np.float32)  # (1, 1, 16, 16) zeros
    feeds = {"image": image, "prompt": prompt}
    session = cpu_session(blob)
    extended = ort.SessionOptions()
    extended.intra_op_num_threads = extended.inter_op_num_threads = 1
    extended.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED
    no_nchwc = ort.InferenceSession(blob, extended, providers=["CPUExecutionProvider"])
    runner = BoundDeviceRunner(blob)
    model = spec.module.get_submodule("model")
    assert isinstance(model, FoldedDeviceCNN)
    x, p = torch.from_numpy(image), torch.from_numpy(prompt)
    with torch.inference_mode():
        a = x + p
        h1 = model.conv1(a)
        p1 = F.max_pool2d(F.relu(h1), 2)
        h2 = model.conv2(p1)
        flat = F.max_pool2d(F.relu(h2), 2).flatten(1)
        calls: dict[str, Callable[[], object]] = {
            "torch eager (bench call)": lambda: spec.module(x, p),
            "torch op: x + prompt": lambda: x + p,
            "torch op: conv1 module": lambda: model.conv1(a),
            "torch op: relu + max_pool2d 1": lambda: F.max_pool2d(F.relu(h1), 2),
            "torch op: conv2 module": lambda: model.conv2(p1),
            "torch op: relu + max_pool2d 2": lambda: F.max_pool2d(F.relu(h2), 2),
            "torch op: fc module": lambda: model.fc(flat),
            "ort session.run(None, feeds)": lambda: session.run(None, feeds),
            "ort session.run(['logits'], feeds)": lambda: session.run(["logits"], feeds),
            "ort BoundDeviceRunner (copy in/out)": lambda: runner(image, {"prompt": prompt}),
            "ort bare IOBinding (inputs in place)": _bare(session, feeds),
            "ort bare IOBinding, no NCHWc (EXTENDED)": _bare(no_nchwc, feeds),
            "ort bare IOBinding, fixed batch 1": _bare(
                cpu_session(onnx_file.serialize(fixed_model)), feeds
            ),
            "ort bare IOBinding, Identity graph": _bare(_identity_session(), {"image": image}),
        }
        repeats = [interleaved_ms(calls, ROUNDS, CALLS) for _ in range(REPEATS)]
    torch_key = "torch eager (bench call)"
    micro = {k: [round(1e3 * ms[k], 3) for ms in repeats] for k in calls}
    ratio = {k: [round(ms[torch_key] / ms[k], 3) for ms in repeats] for k in calls}
    result = {
        "bench": "onnx_breakdown",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "threads": 1,
        "rounds_x_calls": [ROUNDS, CALLS],
        "repeats": "each list: one value per repeat of the whole interleaved measurement",
        "microseconds": micro,
        "torch_eager_over_path": ratio,
    }
    args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    for key, values in micro.items():
        print(f"{key:42s} µs {values}   torch/this {ratio[key]}")


if __name__ == "__main__":
    main()
