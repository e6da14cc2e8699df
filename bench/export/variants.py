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
splits a batch-1 device call further.
Run as a module (``python -m``): a script named onnx.py would shadow the onnx package.
"""

from __future__ import annotations

import argparse
import json
import statistics
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
from export import runtime, versions
from export.bound_runner import BoundSession, cpu_session
from export.pipeline import AGREEMENT_FLOOR, ExportOptions, export_model, finalize
from export.quantize import quantize
from export.spec import Feeds, ModelSpec
from export.weights import default_cache_dir

BATCHES = (1, 64)
TIMING_KEYS = ("torch_eager_ms", "onnxruntime_ms", "speedup", "onnxruntime_bound_ms",
               "speedup_bound")  # fmt: skip
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
            for key in TIMING_KEYS:
                agg[f"batch{size}_{key}"] = _summary([t[f"batch{size}"][key] for t in timings])
        agg["session_load_ms"] = _summary([t["session_load_ms"] for t in timings])
        out.append(agg)
    return out


def _plot(result: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    paths = (("speedup", "session.run"), ("speedup_bound", "IOBinding runner"))
    for ax, size in zip(axes, BATCHES, strict=True):
        labels = []
        bars: dict[str, tuple[list[float], list[float]]] = {k: ([], []) for k, _ in paths}
        for model, rows in result["models"].items():
            for row in rows["variants"]:
                rejected = "" if row["accepted_all"] else "\n(rejected)"
                labels.append(f"{model}\n{row['variant']}{rejected}")
                for key, _ in paths:
                    bars[key][0].append(row[f"batch{size}_{key}"]["mean"])
                    bars[key][1].append(row[f"batch{size}_{key}"]["std"])
        xs = np.arange(len(labels))
        for i, (key, label) in enumerate(paths):
            means, stds = bars[key]
            drawn = ax.bar(xs + (i - 0.5) * 0.4, means, 0.4, yerr=stds, capsize=3, label=label)
            ax.bar_label(drawn, fmt="%.1f", fontsize=6, label_type="center")
        ax.axhline(1.0, color="grey", linewidth=0.8)
        if size == 1:
            ax.axhline(6.0, color="red", linewidth=0.8, linestyle="--", label="target 6×")
        ax.set_xticks(xs, labels, fontsize=7)
        ax.set_title(f"batch {size}")
        ax.set_ylabel("× (higher is faster)")
        ax.legend(fontsize=7)
    fig.suptitle("onnxruntime speed-up over torch eager (1 thread, interleaved; mean ± std)")
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def merge_runs(results: list[dict[str, Any]]) -> dict[str, Any]:
    """Whole bench runs at different times (different contention) as one result: every
    model's variants re-aggregated over all runs' measurements, plus the per-run device fp32
    speed-ups and their spread (min, max over runs)."""
    merged = dict(results[0], date=[r["date"] for r in results])
    merged["wall_seconds"] = [r["wall_seconds"] for r in results]
    merged["models"] = {}
    for model, first in results[0]["models"].items():
        having = [r["models"][model] for r in results if model in r["models"]]
        per_run = [run for m in having for run in m["per_run"]]
        runs = f"{len(having)} bench run(s) x ({first['runs']})"
        merged["models"][model] = {"runs": runs, "variants": _aggregate(per_run)}
    keys = [f"batch{size}_{key}" for size in BATCHES for key in ("speedup", "speedup_bound")]
    per_bench = [r["models"]["device"]["variants"][0] for r in results]
    merged["device_fp32_per_bench_run"] = [{k: v[k]["mean"] for k in keys} for v in per_bench]
    merged["device_fp32_spread_over_bench_runs"] = {
        k: {"min": min(v[k]["mean"] for v in per_bench),
            "max": max(v[k]["mean"] for v in per_bench)} for k in keys
    }  # fmt: skip
    return merged


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
            _plot(merged, args.plot)
        return
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
        device_runs.append(measure(device_spec(weights), ("dynamic", "static"), *DEVICE_TIMING))
    models: dict[str, Any] = {
        "device": {"runs": "training seeds " + ",".join(map(str, seeds)),
                   "variants": _aggregate(device_runs), "per_run": device_runs},
    }  # fmt: skip
    if not (args.quick or args.device_only):
        from export.polarity import polarity_spec

        run = measure(polarity_spec(), ("dynamic", "static"), *POLARITY_TIMING, timing_rounds=3)
        models["polarity"] = {"runs": "one model (zero-shot MiniLM), 3 timing rounds",
                              "variants": _aggregate([run]), "per_run": [run]}  # fmt: skip
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
        _plot(result, args.plot)
    fp32 = models["device"]["variants"][0]
    for size in BATCHES:
        run, bound = fp32[f"batch{size}_speedup"], fp32[f"batch{size}_speedup_bound"]
        print(
            f"device fp32 batch {size}: session.run {run['mean']:.2f} ± {run['std']:.2f}×,"
            f" IOBinding runner {bound['mean']:.2f} ± {bound['std']:.2f}×"
        )


if __name__ == "__main__":
    main()
