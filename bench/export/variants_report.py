"""The ONNX export bench's results (``bench/export/variants.py``): each variant's numbers as
mean ± std over runs, whole bench runs merged, and the speed-up plot.

A run is one list of variant rows (``variants.measure``: size, parity, agreement, and one
or more timing rounds); sizes, parity and agreement are aggregated over runs (training
seeds), timings over every timing round of every run.
"""

from __future__ import annotations

import statistics
from pathlib import Path
from typing import Any

import numpy as np

BATCHES = (1, 64)
"""The batch sizes each variant is timed at."""
TIMING_KEYS = ("torch_eager_ms", "onnxruntime_ms", "speedup", "onnxruntime_bound_ms",
               "speedup_bound")  # fmt: skip


def summary(values: list[float]) -> dict[str, float]:
    """Mean, sample standard deviation (0 for one value) and count."""
    mean = statistics.fmean(values)
    std = statistics.stdev(values) if len(values) > 1 else 0.0
    return {"mean": mean, "std": std, "n": len(values)}


def aggregate(runs: list[list[dict[str, Any]]]) -> list[dict[str, Any]]:
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
            agg[key] = summary([float(r[key]) for r in rows])
        timings = [t for r in rows for t in r["timing"]]
        for size in BATCHES:
            for key in TIMING_KEYS:
                agg[f"batch{size}_{key}"] = summary([t[f"batch{size}"][key] for t in timings])
        agg["session_load_ms"] = summary([t["session_load_ms"] for t in timings])
        out.append(agg)
    return out


def plot(result: dict[str, Any], path: Path) -> None:
    """onnxruntime's speed-up over torch eager per model and variant, both call paths."""
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
        merged["models"][model] = {"runs": runs, "variants": aggregate(per_run)}
    keys = [f"batch{size}_{key}" for size in BATCHES for key in ("speedup", "speedup_bound")]
    per_bench = [r["models"]["device"]["variants"][0] for r in results]
    merged["device_fp32_per_bench_run"] = [{k: v[k]["mean"] for k in keys} for v in per_bench]
    merged["device_fp32_spread_over_bench_runs"] = {
        k: {"min": min(v[k]["mean"] for v in per_bench),
            "max": max(v[k]["mean"] for v in per_bench)} for k in keys
    }  # fmt: skip
    return merged
