"""Aggregate G-Rank bench runs over seeds (mean ± std), find milestones, draw the curves."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import numpy as np

NDCG_TARGET = 0.85
PAIRED_BASELINE = "grank_paper_f0"
"""Final served nDCG is also reported as a paired difference (same seed) against this."""


def _matrix(runs: list[dict[str, Any]], key: str) -> np.ndarray:
    rows = [[np.nan if v is None else v for v in run["curves"].get(key, [])] for run in runs]
    width = min(len(r) for r in rows)
    return np.array([r[:width] for r in rows], dtype=float)  # (seeds, points)


def _first_x(xs: list[int], values: list[float], test: Any) -> int | None:
    for x, value in zip(xs, values, strict=False):
        if value is not None and test(value):
            return x
    return None


def _stays_zero_from(xs: list[int], values: list[float]) -> int | None:
    """The first evaluation after which the distance is 0 at every later evaluation."""
    since = None
    for x, value in zip(xs, values, strict=False):
        since = (x if since is None else since) if value == 0.0 else None
    return since


def _stat(values: list[float]) -> dict[str, float]:
    return {"mean": float(np.mean(values)), "std": float(np.std(values)), "n": len(values)}


def summarise(runs: list[dict[str, Any]]) -> dict[str, Any]:
    groups: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for run in runs:
        groups[(run["scenario"], run["method"])].append(run)
    curves: dict[str, Any] = defaultdict(dict)
    final: dict[str, Any] = defaultdict(dict)
    for (scenario, method), group in sorted(groups.items()):
        group.sort(key=lambda run: run["seed"])
        xs = group[0]["x"]
        keys = sorted(group[0]["curves"])
        entry: dict[str, Any] = {"x": xs, "seeds": [run["seed"] for run in group]}
        last: dict[str, Any] = {"seeds": [run["seed"] for run in group]}
        for key in keys:
            matrix = _matrix(group, key)
            entry[key] = {
                "mean": np.nanmean(matrix, axis=0).tolist(),
                "std": np.nanstd(matrix, axis=0).tolist(),
            }
            last[key] = _stat(matrix[:, -1].tolist())
        if "distance" in keys:
            hits = [_first_x(r["x"], r["curves"]["distance"], lambda v: v == 0.0) for r in group]
            last["queries_to_distance_0"] = {"per_seed": hits}
            stays = [_stays_zero_from(r["x"], r["curves"]["distance"]) for r in group]
            last["queries_to_distance_0_for_good"] = {"per_seed": stays}
            mins = [float(np.nanmin(_matrix([r], "distance"))) for r in group]
            last["min_distance"] = _stat(mins)
        hits = [_first_x(r["x"], r["curves"]["ndcg"], lambda v: v >= NDCG_TARGET) for r in group]
        last[f"queries_to_ndcg_{NDCG_TARGET}"] = {"per_seed": hits}
        attack_at = group[0].get("attack_at")
        if attack_at is not None:
            after = [i for i, x in enumerate(xs) if x > attack_at]
            for key in ("attack_top1", "attack_top3"):
                matrix = _matrix(group, key)[:, after]
                last[f"{key}_after_attack"] = _stat(np.mean(matrix, axis=1).tolist())
                last[f"{key}_max_after_attack"] = _stat(np.max(matrix, axis=1).tolist())
        last["cpu_s"] = _stat([run["cpu_s"] for run in group])
        curves[scenario][method] = entry
        final[scenario][method] = last
    return {"curves": dict(curves), "final": dict(final), "paired": paired(groups)}


def paired(groups: dict[tuple[str, str], list[dict[str, Any]]]) -> dict[str, Any]:
    """Per scenario and method: final served nDCG minus ``PAIRED_BASELINE``'s on the same
    seeds (same world, queries and user draws), mean ± std over the seeds both ran."""
    out: dict[str, Any] = defaultdict(dict)
    for (scenario, method), group in sorted(groups.items()):
        base = groups.get((scenario, PAIRED_BASELINE))
        if base is None or method == PAIRED_BASELINE:
            continue
        reference = {run["seed"]: run["curves"]["ndcg"][-1] for run in base}
        diffs = {
            run["seed"]: run["curves"]["ndcg"][-1] - reference[run["seed"]]
            for run in group
            if run["seed"] in reference
        }
        if diffs:
            seeds = sorted(diffs)
            out[scenario][method] = {
                f"ndcg_minus_{PAIRED_BASELINE}": {
                    **_stat([diffs[seed] for seed in seeds]),
                    "per_seed": [diffs[seed] for seed in seeds],
                    "seeds": seeds,
                }
            }
    return dict(out)


PANELS = [
    ("paper_repro", "distance_max", "paper setup (known peers, page swaps): max node distance"),
    ("paper", "distance", "network peers, any-slot swaps: mean node distance"),
    ("position", "ndcg", "position clicks: served nDCG@10"),
    ("position", "ndcg_shown", "position clicks: nDCG@10 of pages users saw"),
    ("position_backdated", "ndcg", "position clicks, 10 backdated rows at 1,500: served nDCG@10"),
    ("position_backdated", "half_life_s", "position clicks, backdated rows: half-life (s)"),
    ("position_inflation", "ndcg", "position clicks, 10 x 1,000 spam clicks at 1,500: nDCG@10"),
    ("targeted_sybil", "attack_top1", "targeted sybil: attacker item top-1"),
    ("mimicry", "attack_top1", "mimicry: attacker item top-1"),
    ("mimicry", "attack_top3", "mimicry: attacker item top-3"),
    ("small_mimicry", "attack_top1", "30 peers, 25 % mimics: attacker item top-1"),
    ("second_pbm1_uniform", "ndcg", "second world, one-click PBM, uniform queries: nDCG@10"),
    ("second_pbm1_zipf", "ndcg", "second world, one-click PBM, Zipf queries: nDCG@10"),
    ("second_dbn1_uniform", "ndcg", "second world, one-click DBN, uniform queries: nDCG@10"),
    ("second_dbn1_zipf", "ndcg", "second world, one-click DBN, Zipf queries: nDCG@10"),
]


def write_plot(summary: dict[str, Any], path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    curves = summary["curves"]
    # one colour per method in every panel
    methods = sorted({method for entries in curves.values() for method in entries})
    colors = {method: f"C{n % 10}" for n, method in enumerate(methods)}
    panels = [panel for panel in PANELS if panel[0] in curves]
    rows = (len(panels) + 1 + 3) // 4  # + the bytes panel
    fig, axes = plt.subplots(rows, 4, figsize=(21, 4.4 * rows), squeeze=False)
    for ax, (scenario, key, title) in zip(axes.flat, panels, strict=False):
        ax.set_title(title, fontsize=10)
        for method, entry in curves.get(scenario, {}).items():
            if key in entry:
                mean, std = np.array(entry[key]["mean"]), np.array(entry[key]["std"])
                color = colors[method]
                ax.plot(entry["x"], mean, label=method, color=color)
                ax.fill_between(entry["x"], mean - std, mean + std, alpha=0.2, color=color)
        ax.set_xlabel("queries")
        if ax.lines:
            ax.legend(fontsize=7)
        if key == "half_life_s" and ax.lines:
            ax.set_yscale("log")
    for ax in axes.flat[len(panels) : -1]:
        ax.set_axis_off()
    ax = axes.flat[-1]
    found = [
        (scenario, method)
        for scenario, method in (
            ("position", "byteswarm"),
            ("paper", "byteswarm"),
            ("paper", "grank_paper_f0"),
        )
        if "response_bytes" in curves.get(scenario, {}).get(method, {})
    ]
    if not found:
        ax.set_axis_off()
    else:
        scenario, method = found[0]
        entry = curves[scenario][method]
        ax.set_title(f"gossip response bytes ({scenario}, {method})", fontsize=10)
        for key, label in (
            ("response_bytes", "paper cursor rows"),
            ("vector_bytes", "version vector + rows"),
            ("vector_counter_bytes", "version vector + counters"),
            ("wire_v1_full_bytes", "daemon before: sync 1.0.0 (node.wire)"),
            ("wire_packed_compact_bytes", "daemon now: packed sync 2.0.0 (node.wire)"),
        ):
            if key in entry:
                ax.plot(entry["x"], entry[key]["mean"], label=label)
        ax.set_yscale("log")
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=90)


TABLE_KEYS = [
    "distance",
    "distance_max",
    "min_distance",
    "ndcg",
    "ndcg_shown",
    "ndcg_unseen",
    "mrr",
    "p1",
    "attack_top1",
    "attack_top1_after_attack",
    "attack_top3_after_attack",
    "response_bytes",
    "vector_bytes",
    "vector_counter_bytes",
    "wire_v1_full_bytes",
    "wire_packed_compact_bytes",
    "wire_request_bytes",
    "rows_per_node",
    "rank_ms",
]


def format_table(summary: dict[str, Any]) -> str:
    """One line per (scenario, method): final mean ± std of the headline metrics."""
    lines = []
    for scenario, methods in summary["final"].items():
        for method, last in methods.items():
            cells = [f"{scenario}/{method}"]
            for key in TABLE_KEYS:
                if key in last and "mean" in last[key]:
                    cells.append(f"{key}={last[key]['mean']:.3g}±{last[key]['std']:.2g}")
            for key in (
                "queries_to_distance_0",
                "queries_to_distance_0_for_good",
                f"queries_to_ndcg_{NDCG_TARGET}",
            ):
                if key in last:
                    cells.append(f"{key}={last[key]['per_seed']}")
            diff = summary.get("paired", {}).get(scenario, {}).get(method)
            if diff:
                stat = diff[f"ndcg_minus_{PAIRED_BASELINE}"]
                cells.append(f"ndcg-{PAIRED_BASELINE}={stat['mean']:+.3f}±{stat['std']:.3f}")
            lines.append(" ".join(cells))
    return "\n".join(lines)


def format_paired_markdown(summary: dict[str, Any]) -> str:
    """A markdown table: served nDCG@10 per scenario (columns) and method (rows), mean ± std
    over seeds, and the paired difference against ``PAIRED_BASELINE`` below each."""
    final, pairs = summary["final"], summary.get("paired", {})
    scenarios = list(final)
    methods = sorted({m for entries in final.values() for m in entries})
    lines = [
        "| method | " + " | ".join(scenarios) + " |",
        "|---" * (len(scenarios) + 1) + "|",
    ]
    for method in methods:
        cells = []
        for scenario in scenarios:
            last = final[scenario].get(method)
            if last is None:
                cells.append("-")
                continue
            cell = f"{last['ndcg']['mean']:.3f} ± {last['ndcg']['std']:.3f}"
            diff = pairs.get(scenario, {}).get(method)
            if diff:
                stat = diff[f"ndcg_minus_{PAIRED_BASELINE}"]
                cell += f" ({stat['mean']:+.3f} ± {stat['std']:.3f})"
            cells.append(cell)
        lines.append(f"| {method} | " + " | ".join(cells) + " |")
    return "\n".join(lines)
