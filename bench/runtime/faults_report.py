"""The runs of ``bench/runtime/faults.py`` as mean ± std per case: summary, README table, PNG.

``python -m bench.runtime.faults_report [PATH]`` recomputes the summary and the table of a
saved JSON (written back into it) and redraws the PNG.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import numpy as np

METRICS = (
    "cpu_pct",
    "cpu_pct_second_half",
    "rss_mb_peak",
    "ack_ms_p50",
    "ack_ms_p99",
    "delivery_ms_p50",
    "delivery_ms_p99",
    "penalised_after_s",
    "banned_after_s",
    "attacker_rows_stored",
    "attacker_kb_stored",
    "catchup_s",
)
LABELS = {
    "baseline": "baseline",
    "junk_frames": "junk frames, every protocol",
    "bad_signature_flood": "invalid-signature replays",
    "garbage_gossip_flood": "garbage gossip flood (signed)",
    "valid_note_flood": "valid-note flood, 1 identity",
    "slow_sybils_20": "20 slow Sybils + late joiner",
    "stalled_streams_200": "200 stalled streams",
    "identities_100": "100 identities",
}


def _stats(values: list[float]) -> dict[str, float | int] | None:
    if not values:
        return None
    arr = np.array(values, dtype=np.float64)
    std = float(arr.std(ddof=1)) if len(arr) > 1 else 0.0
    return {"mean": round(float(arr.mean()), 2), "std": round(std, 2), "n": len(arr)}


def summarise(results: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per case: mean, sample std and n of each metric over the runs that have it, and
    how many runs crashed, penalised or banned an attacker, or finished the catch-up."""
    summary: dict[str, dict[str, Any]] = {}
    for name in dict.fromkeys(r["case"] for r in results):
        runs = [r for r in results if r["case"] == name]
        entry: dict[str, Any] = {"runs": len(runs)}
        for metric in METRICS:
            values = [float(r[metric]) for r in runs if r.get(metric) is not None]
            if metric in runs[0] or values:
                entry[metric] = _stats(values)
        entry["crashed_runs"] = sum(bool(r["crashed"]) for r in runs)
        entry["penalised_runs"] = sum(r["penalised_after_s"] is not None for r in runs)
        entry["banned_runs"] = sum(r["banned_after_s"] is not None for r in runs)
        pooled = [a for r in runs for a in r.get("acks_ms", [])]
        if pooled:  # p99 of one run's 20 acks is its slowest; pooled over the runs too
            entry["ack_ms_pooled"] = {
                "p50": round(float(np.percentile(pooled, 50)), 1),
                "p99": round(float(np.percentile(pooled, 99)), 1),
                "max": round(max(pooled), 1),
                "n": len(pooled),
            }
        entry["acks"] = sum(r["acks"] for r in runs)
        entry["ack_failures"] = sum(r["ack_failures"] for r in runs)
        entry["honest"] = f"{sum(r['honest_delivered'] for r in runs)}/" + str(
            sum(r["honest_published"] for r in runs)
        )
        if "quota" in runs[0]:
            entry["quota"] = runs[0]["quota"]
        if "catchup_notes" in runs[0]:
            entry["catchup_notes"] = [r.get("catchup_notes") for r in runs]
        summary[name] = entry
    return summary


def _fmt(stat: dict[str, Any] | None, unit: str = "", digits: int = 0) -> str:
    if stat is None:
        return "–"
    return f"{stat['mean']:.{digits}f} ± {stat['std']:.{digits}f}{unit}"


def _when(entry: dict[str, Any], what: str) -> str:
    k, n = entry[f"{what}_runs"], entry["runs"]
    if not k:
        return "no"
    return f"{_fmt(entry.get(f'{what}_after_s'), ' s', 1)} ({k}/{n})"


def table(summary: dict[str, dict[str, Any]]) -> str:
    """The README's markdown table (mean ± std over the runs)."""
    lines = [
        "| case | crashed | victim CPU (window / 2nd half) | RSS peak | ack p50 / p99"
        " | ack p99 pooled | honest delivery p99 | penalised | banned | attacker rows stored |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, e in summary.items():
        stored = _fmt(e.get("attacker_rows_stored"))
        if "quota" in e:
            stored += f" (quota {e['quota']:,})"
        if e.get("catchup_s") is not None or "catchup_notes" in e:
            stored = f"catch-up of 50 notes: {_fmt(e.get('catchup_s'), ' s', 1)}"
        lines.append(
            f"| {LABELS.get(name, name)} | {e['crashed_runs']}/{e['runs']}"
            f" | {_fmt(e['cpu_pct'], ' %', 1)} / {_fmt(e['cpu_pct_second_half'], ' %', 1)}"
            f" | {_fmt(e['rss_mb_peak'], ' MB')}"
            f" | {_fmt(e['ack_ms_p50'], ' ms', 1)} / {_fmt(e['ack_ms_p99'], ' ms', 1)}"
            f" | {(e.get('ack_ms_pooled') or {}).get('p99', '–')} ms"
            f" | {_fmt(e['delivery_ms_p99'], ' ms')} ({e['honest']})"
            f" | {_when(e, 'penalised')} | {_when(e, 'banned')} | {stored} |"
        )
    return "\n".join(lines)


def plot(results: list[dict[str, Any]], summary: dict[str, dict[str, Any]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(summary)
    fig, axes = plt.subplots(2, 2, figsize=(13, 8.5))
    panels = (
        ("cpu_pct", "victim CPU, % of one core (window)", "tab:red", 20.0),
        ("ack_ms_p99", "publish acknowledge p99, ms", "tab:blue", 200.0),
        ("delivery_ms_p99", "honest delivery p99, ms", "tab:green", 2000.0),
    )
    for ax, (metric, title, color, goal) in zip(axes.flat, panels, strict=False):
        means = [(summary[n].get(metric) or {}).get("mean", np.nan) for n in names]
        stds = [(summary[n].get(metric) or {}).get("std", 0.0) for n in names]
        ax.bar(names, means, yerr=stds, capsize=3, color=color)
        ax.axhline(goal, color="black", linestyle="--", linewidth=1, label=f"goal {goal:g}")
        ax.set_title(title)
        ax.legend(loc="upper left")
        ax.tick_params(axis="x", rotation=30)
        for label in ax.get_xticklabels():
            label.set_horizontalalignment("right")
    ax = axes.flat[3]
    for r in results:
        if r["case"] == "valid_note_flood" and r.get("attacker_rows_series"):
            t, n = zip(*r["attacker_rows_series"], strict=True)
            ax.plot(t, n, label=f"run {r['run']}")
            ax.axhline(r.get("quota", 0), color="black", linestyle="--", linewidth=1)
    ax.set_title("valid-note flood: the flooder's notes stored on the victim (quota dashed)")
    ax.set_xlabel("s into the window")
    ax.set_ylabel("records")
    ax.legend(loc="lower right")
    n_runs = max((r["run"] for r in results), default=0) + 1
    fig.suptitle(f"bench/runtime/faults.py: mean ± std over {n_runs} runs per case")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", type=Path, nargs="?", default=Path("bench/results/faults.json"))
    path = parser.parse_args().path
    report = json.loads(path.read_text())
    report["summary"] = summarise(report["cases"])
    report["table"] = table(report["summary"])
    path.write_text(json.dumps(report, indent=2) + "\n")
    plot(report["cases"], report["summary"], path.with_suffix(".png"))
    print(report["table"])


if __name__ == "__main__":
    main()
