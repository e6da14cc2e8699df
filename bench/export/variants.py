"""ONNX export bench (issue 6): per model and variant, file size, parity, int8 agreement,
onnxruntime vs torch eager latency (batch 1 and 64, one thread, same run) and session load.

python -m bench.export.variants --json bench/results/onnx.json --plot bench/results/onnx.png
python -m bench.export.variants --quick --json /tmp/onnx_quick.json      (device only, 1 seed)
python -m bench.export.variants --device-only --json run2.json   (3 seeds, no polarity)
python -m bench.export.variants --merge run1.json run2.json run3.json --json onnx.json \
    --plot onnx.png

Device: the CNN trained with seeds 0, 1, 2 (models.adapt.training, cached), additive prompt
as a graph input (zero prompt in the timings). Polarity: zero-shot all-MiniLM-L6-v2 (one
model; its latencies are repeated over 3 timing rounds). int8 variants are measured even
when the export command would refuse them (agreement < 99 %): ``accepted`` says which.
Latency paths, interleaved per call in rounds: torch eager, ``session.run(None, feeds)`` and
the IOBinding runner (export.bound_runner; ``*_bound`` keys). bench/export/breakdown.py
splits a batch-1 device call further; mean ± std, merged runs and the plot are
bench/export/variants_report.py.
Run as a module (``python -m``): a script named onnx.py would shadow the onnx package.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import torch
from numpy.typing import NDArray

from bench.export.timing import interleaved_ms, machine
from bench.export.variants_report import BATCHES, aggregate, merge_runs, plot
from export import runtime, versions
from export.bound_runner import BoundSession, cpu_session
from export.pipeline import AGREEMENT_FLOOR, ExportOptions, export_model, finalize
from export.quantize import quantize
from export.spec import Feeds, ModelSpec
from export.weights import default_cache_dir

DEVICE_TIMING = (20, 50)  # rounds, calls per round and path: 1000 timed calls per path
POLARITY_TIMING = (4, 5)
TIMING_NOTE = (
    "per path: median of individually timed calls, paths interleaved in rounds; onnxruntime ="
    " session.run(None, feeds), bound = export.bound_runner.BoundSession (copy in, copy out);"
    f" rounds x calls: device {DEVICE_TIMING}, polarity {POLARITY_TIMING} x 3 timing rounds"
)


def _batch(spec: ModelSpec, size: int) -> Feeds:
    """``size`` held-out rows (the first held-out batch, cycled), other inputs unchanged."""
    first = spec.heldout[0]
    out: Feeds = {}
    for name, value in first.items():
        if name in spec.dynamic_axes:
            rows = np.resize(np.arange(len(value)), size)
            out[name] = np.ascontiguousarray(value[rows])
        else:
            out[name] = value
    return out


def _latencies(spec: ModelSpec, blob: bytes, rounds: int, block: int) -> dict[str, Any]:
    """torch eager vs two onnxruntime call paths on the same feeds, interleaved:
    ``run`` is the plain ``session.run(None, feeds)`` (session 1's number), ``bound`` the
    IOBinding runner over preallocated buffers (export.bound_runner, input copied in and
    output copied out on every call)."""
    sess = runtime.session(blob)
    bound = BoundSession(cpu_session(blob))
    result: dict[str, Any] = {"rounds": rounds, "calls_per_round": block}
    for size in BATCHES:
        feeds = _batch(spec, size)
        args = [torch.from_numpy(feeds[n]) for n in spec.input_names]
        arrays = [feeds[n] for n in bound.input_names]
        if not np.array_equal(bound(*arrays), sess.run(None, feeds)[0]):
            raise AssertionError("the bound runner disagrees with session.run")

        def eager_call(args: list[torch.Tensor] = args) -> object:
            return spec.module(*args)

        def run_call(feeds: Feeds = feeds) -> object:
            return sess.run(None, feeds)  # the plain Python API call, no wrapper

        def bound_call(arrays: list[NDArray[Any]] = arrays) -> object:
            return bound(*arrays)

        with torch.inference_mode():
            ms = interleaved_ms(
                {"torch_eager": eager_call, "onnxruntime": run_call, "bound": bound_call},
                rounds, block,
            )  # fmt: skip
        result[f"batch{size}"] = {
            "torch_eager_ms": ms["torch_eager"],
            "onnxruntime_ms": ms["onnxruntime"],
            "speedup": ms["torch_eager"] / ms["onnxruntime"],
            "onnxruntime_bound_ms": ms["bound"],
            "speedup_bound": ms["torch_eager"] / ms["bound"],
        }
    load = interleaved_ms({"load": lambda: runtime.session(blob)}, 1, 5)
    result["session_load_ms"] = load["load"]
    return result


def _variants(spec: ModelSpec, out: Path, kinds: tuple[str, ...]) -> list[tuple[str, bytes]]:
    report = export_model(spec, out, ExportOptions())
    fp32 = (out / report.variants[0].file).read_bytes()
    variants = [("fp32", fp32)]
    for kind in kinds:
        model = quantize(onnx.load_model_from_string(fp32), kind, spec.calibration,
                         spec.quantize_exclude_inputs)  # fmt: skip
        variants.append((f"int8-{kind}", finalize(model, spec, f"int8-{kind}")))
    return variants


def measure(
    spec: ModelSpec, kinds: tuple[str, ...], rounds: int, block: int, timing_rounds: int = 1
) -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory(prefix="bench-onnx-") as tmp:
        variants = _variants(spec, Path(tmp), kinds)
    fp32_sess = runtime.session(variants[0][1])
    batched = tuple(spec.dynamic_axes)
    rows = []
    for name, blob in variants:
        sess = runtime.session(blob)
        parity = runtime.parity(sess, spec, [spec.golden_feeds, *spec.heldout])
        agree = runtime.agreement(sess, fp32_sess, spec.heldout, batched)
        rows.append({
            "variant": name,
            "size_bytes": len(blob),
            "parity_max_abs_vs_torch": parity.max_abs,
            "parity_scaled_vs_torch": parity.scaled,
            "top1_agreement_vs_fp32": agree.rate,
            "agreeing": agree.agreeing,
            "heldout": agree.total,
            "accepted": name == "fp32" or agree.rate >= AGREEMENT_FLOOR,
            "timing": [_latencies(spec, blob, rounds, block) for _ in range(timing_rounds)],
        })  # fmt: skip
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, required=True)
    parser.add_argument("--plot", type=Path)
    parser.add_argument("--quick", action="store_true", help="device only, one seed")
    parser.add_argument("--device-only", action="store_true", help="skip the polarity model")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--replot", action="store_true", help="only redraw --plot from --json")
    parser.add_argument("--merge", type=Path, nargs="+", help="combine whole bench runs")
    args = parser.parse_args()
    if args.merge:
        merged = merge_runs([json.loads(p.read_text(encoding="utf-8")) for p in args.merge])
        args.json.write_text(json.dumps(merged, indent=2) + "\n", encoding="utf-8")
        if args.plot:
            plot(merged, args.plot)
        return
    if args.replot:
        plot(json.loads(args.json.read_text(encoding="utf-8")), args.plot)
        return
    torch.set_num_threads(1)
    from export.device import device_spec
    from models.adapt.digits import load_digit_splits
    from models.adapt.training import device_model

    started = time.time()
    seeds = args.seeds[:1] if args.quick else args.seeds
    cache = default_cache_dir()
    device_runs = []
    for seed in seeds:
        weights = Path(tempfile.mkdtemp(prefix="bench-onnx-w-")) / f"device_seed{seed}.safetensors"
        from safetensors.torch import save_file

        save_file(dict(device_model(load_digit_splits(), seed, cache).state_dict()), str(weights))
        device_runs.append(measure(device_spec(weights), ("dynamic", "static"), *DEVICE_TIMING))
    models: dict[str, Any] = {
        "device": {"runs": "training seeds " + ",".join(map(str, seeds)),
                   "variants": aggregate(device_runs), "per_run": device_runs},
    }  # fmt: skip
    if not (args.quick or args.device_only):
        from export.polarity import polarity_spec

        run = measure(polarity_spec(), ("dynamic", "static"), *POLARITY_TIMING, timing_rounds=3)
        models["polarity"] = {"runs": "one model (zero-shot MiniLM), 3 timing rounds",
                              "variants": aggregate([run]), "per_run": [run]}  # fmt: skip
    result = {
        "bench": "onnx",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "threads": 1,
        "timing": TIMING_NOTE,
        "opset": versions.DEFAULT_OPSET,
        "ir_version": versions.ir_version_for(versions.DEFAULT_OPSET),
        "onnxruntime_android_pinned": versions.ANDROID_ORT_VERSION,
        "target": "device fp32: onnxruntime >= 6x torch eager at batch 1",
        "models": models,
        "wall_seconds": time.time() - started,
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    if args.plot:
        plot(result, args.plot)
    fp32 = models["device"]["variants"][0]
    for size in BATCHES:
        run, bound = fp32[f"batch{size}_speedup"], fp32[f"batch{size}_speedup_bound"]
        print(
            f"device fp32 batch {size}: session.run {run['mean']:.2f} ± {run['std']:.2f}×,"
            f" IOBinding runner {bound['mean']:.2f} ± {bound['std']:.2f}×"
        )


if __name__ == "__main__":
    main()
