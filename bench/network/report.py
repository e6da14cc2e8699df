"""``mesh.py``'s runs as mean ± std per condition, against the issue's goals; the JSON and PNG.

A run that timed out on a measure is counted under ``timeouts`` and left out of the mean
(never replaced by the timeout): a goal is met only with no timeout and a mean within it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

GOALS = {
    "mesh_degree_low_s": 30.0,
    "mesh_full_s": 30.0,
    "dead_peer_s": 15.0,
    "converge_after_heal_s": 5.0,
}
LABELS = {
    "mesh_degree_low_s": "mesh: every node\n>= degree_low peers",
    "mesh_full_s": "full mesh",
    "dead_peer_s": "dead peer\ndropped",
    "converge_after_heal_s": "converged\nafter heal",
}


def summarize(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Per measure: mean, std, n (finished runs), timeouts and whether the goal is met;
    plus the acknowledged notes missing anywhere at the end, over all runs."""
    out: dict[str, Any] = {}
    for key, goal in GOALS.items():
        values = [float(r[key]) for r in runs if r.get(key) is not None]
        timeouts = sum(1 for r in runs if r.get(key) is None)
        mean = float(np.mean(values)) if values else None
        out[key] = {
            "mean": mean,
            "std": float(np.std(values)) if values else None,
            "n": len(values),
            "timeouts": timeouts,
            "goal": goal,
            "met": bool(values) and timeouts == 0 and mean is not None and mean <= goal,
        }
    out["acked_missing_at_end"] = sum(int(r["acked_missing_at_end"]) for r in runs)
    out["no_acked_record_lost"] = out["acked_missing_at_end"] == 0
    return out


def write(result: dict[str, Any], json_path: Path, png_path: Path | None) -> None:
    json_path.parent.mkdir(parents=True, exist_ok=True)
    json_path.write_text(json.dumps(result, indent=2) + "\n")
    if png_path is not None:
        plot(result, png_path)


def plot(result: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    conditions = list(result["summary"])
    keys = list(GOALS)
    width = 0.8 / len(conditions)
    fig, ax = plt.subplots(figsize=(8, 4))
    timeout = float(result["settings"]["timeout"])
    for k, condition in enumerate(conditions):
        summary = result["summary"][condition]
        xs = np.arange(len(keys)) + (k - (len(conditions) - 1) / 2) * width
        means = [summary[m]["mean"] or 0.0 for m in keys]
        stds = [summary[m]["std"] or 0.0 for m in keys]
        bars = ax.bar(xs, means, width, yerr=stds, capsize=3, label=condition)
        for x, m in zip(xs, keys, strict=True):
            if summary[m]["timeouts"]:
                ax.bar(x, timeout, width, fill=False, hatch="//", edgecolor=bars[0].get_facecolor())
                ax.text(x, timeout, f"{summary[m]['timeouts']} timeout", ha="center", fontsize=7)
    for i, m in enumerate(keys):
        ax.hlines(GOALS[m], i - 0.45, i + 0.45, colors="k", linestyles="dashed")
    ax.set_xticks(range(len(keys)), [LABELS[m] for m in keys], fontsize=8)
    ax.set_ylabel("seconds (dashed: goal)")
    ax.set_title(
        f"{result['settings']['hosts']} namespaced hosts, {result['settings']['runs']} run(s)"
    )
    ax.legend(fontsize=8)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)
