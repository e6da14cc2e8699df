"""ONNX export bench (issue 6): per model and variant, file size, parity, int8 agreement,
onnxruntime vs torch eager latency (batch 1 and 64, one thread, same run) and session load.

python -m bench.onnx --json bench/results/onnx.json --plot bench/results/onnx.png
python -m bench.onnx --quick --json /tmp/onnx_quick.json      (device only, 1 seed)

Device: the CNN trained with seeds 0, 1, 2 (models.adapt.training, cached), additive prompt
as a graph input (zero prompt in the timings). Polarity: zero-shot all-MiniLM-L6-v2 (one
model; its latencies are repeated over 3 timing rounds). int8 variants are measured even
when the export command would refuse them (agreement < 99 %): ``accepted`` says which.
Run as a module (``python -m``): a script named onnx.py would shadow the onnx package.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import onnxruntime as ort
import torch

from export import runtime, versions
from export.pipeline import AGREEMENT_FLOOR, ExportOptions, export_model, finalize
from export.quantize import quantize
from export.spec import Feeds, ModelSpec
from export.weights import default_cache_dir

BATCHES = (1, 64)


def _median_seconds(fn: Callable[[], object], repeats: int, warmup: int) -> float:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


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


def _latencies(spec: ModelSpec, blob: bytes, repeats: int) -> dict[str, Any]:
    sess = runtime.session(blob)
    result: dict[str, Any] = {}
    for size in BATCHES:
        feeds = _batch(spec, size)
        args = [torch.from_numpy(feeds[n]) for n in spec.input_names]
        warmup = max(3, repeats // 10)

        def eager_call(args: list[torch.Tensor] = args) -> object:
            return spec.module(*args)

        def onnx_call(feeds: Feeds = feeds) -> object:
            return sess.run(None, feeds)  # the plain Python API call, no wrapper

        with torch.inference_mode():
            eager = _median_seconds(eager_call, repeats, warmup)
        onnx_s = _median_seconds(onnx_call, repeats, warmup)
        result[f"batch{size}"] = {
            "torch_eager_ms": 1e3 * eager,
            "onnxruntime_ms": 1e3 * onnx_s,
            "speedup": eager / onnx_s,
        }
    result["session_load_ms"] = 1e3 * _median_seconds(lambda: runtime.session(blob), 5, 1)
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
    spec: ModelSpec, kinds: tuple[str, ...], repeats: int, timing_rounds: int = 1
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
            "timing": [_latencies(spec, blob, repeats) for _ in range(timing_rounds)],
        })  # fmt: skip
    return rows


def _summary(values: list[float]) -> dict[str, float]:
    mean = statistics.fmean(values)
    std = statistics.stdev(values) if len(values) > 1 else 0.0
    return {"mean": mean, "std": std, "n": len(values)}


def _aggregate(runs: list[list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """Mean ± std per variant: sizes/parity/agreement over runs (training seeds), timings
    over every timing round of every run."""
    out = []
    for i, first in enumerate(runs[0]):
        rows = [run[i] for run in runs]
        agg: dict[str, Any] = {
            "variant": first["variant"],
            "accepted_all": all(r["accepted"] for r in rows),
        }
        for key in ("size_bytes", "parity_max_abs_vs_torch", "parity_scaled_vs_torch",
                    "top1_agreement_vs_fp32"):  # fmt: skip
            agg[key] = _summary([float(r[key]) for r in rows])
        timings = [t for r in rows for t in r["timing"]]
        for size in BATCHES:
            for key in ("torch_eager_ms", "onnxruntime_ms", "speedup"):
                agg[f"batch{size}_{key}"] = _summary([t[f"batch{size}"][key] for t in timings])
        agg["session_load_ms"] = _summary([t["session_load_ms"] for t in timings])
        out.append(agg)
    return out


def _machine() -> dict[str, str]:
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "platform": platform.platform(), "cpu": cpu, "python": platform.python_version(),
        "torch": torch.__version__, "onnxruntime": ort.__version__, "onnx": onnx.__version__,
    }  # fmt: skip


def _plot(result: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    for ax, size in zip(axes, BATCHES, strict=True):
        labels, means, stds = [], [], []
        for model, rows in result["models"].items():
            for row in rows["variants"]:
                rejected = "" if row["accepted_all"] else "\n(rejected)"
                labels.append(f"{model}\n{row['variant']}{rejected}")
                means.append(row[f"batch{size}_speedup"]["mean"])
                stds.append(row[f"batch{size}_speedup"]["std"])
        ax.bar(range(len(labels)), means, yerr=stds, capsize=3)
        ax.axhline(1.0, color="grey", linewidth=0.8)
        ax.set_xticks(range(len(labels)), labels, fontsize=7)
        ax.set_title(f"batch {size}")
        ax.set_ylabel("× (higher is faster)")
    fig.suptitle("onnxruntime speed-up over torch eager (1 thread, same run; mean ± std)")
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, required=True)
    parser.add_argument("--plot", type=Path)
    parser.add_argument("--quick", action="store_true", help="device only, one seed")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--replot", action="store_true", help="only redraw --plot from --json")
    args = parser.parse_args()
    if args.replot:
        _plot(json.loads(args.json.read_text(encoding="utf-8")), args.plot)
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
        device_runs.append(measure(device_spec(weights), ("dynamic", "static"), repeats=200))
    models: dict[str, Any] = {
        "device": {"runs": "training seeds " + ",".join(map(str, seeds)),
                   "variants": _aggregate(device_runs), "per_run": device_runs},
    }  # fmt: skip
    if not args.quick:
        from export.polarity import polarity_spec

        run = measure(polarity_spec(), ("dynamic", "static"), repeats=20, timing_rounds=3)
        models["polarity"] = {"runs": "one model (zero-shot MiniLM), 3 timing rounds",
                              "variants": _aggregate([run]), "per_run": [run]}  # fmt: skip
    result = {
        "bench": "onnx",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": _machine(),
        "threads": 1,
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
        _plot(result, args.plot)
    dev = models["device"]["variants"][0]["batch1_speedup"]
    print(f"device fp32 batch-1 speed-up: {dev['mean']:.2f} ± {dev['std']:.2f}×")


if __name__ == "__main__":
    main()
