"""Aggregate per-seed adapt results (mean ± std) and compare them with the issue's targets."""

from __future__ import annotations

from typing import Any

import numpy as np

SCALARS = (
    "uplink_per_sample",
    "downlink_per_round",
    "downlink_payload_per_round",
    "passes_per_sample",
    "backward_passes_per_sample",
    "upload_fraction_actual",
    "cloud_resets",
    "prompts_rejected",
)


def _ms(values: list[float]) -> dict[str, float]:
    arr = np.asarray(values, np.float64)
    return {"mean": float(arr.mean()), "std": float(arr.std(ddof=1)) if len(arr) > 1 else 0.0}


def aggregate(per_seed: dict[int, dict[str, dict[str, Any]]]) -> dict[str, dict[str, Any]]:
    seeds = sorted(per_seed)
    out: dict[str, dict[str, Any]] = {}
    for name, first in per_seed[seeds[0]].items():
        runs = [per_seed[s][name] for s in seeds]
        entry: dict[str, Any] = {
            "overall_pct": _ms([100 * r["overall"] for r in runs]),
            "overall_pct_per_seed": {
                s: 100 * r["overall"] for s, r in zip(seeds, runs, strict=True)
            },
            "per_domain_pct": {
                d: _ms([100 * r["per_domain"][d] for r in runs]) for d in first["per_domain"]
            },
        }
        for key in SCALARS:
            if key in first:
                entry[key] = _ms([float(r[key]) for r in runs])
        for key in ("spec", "needs_updatable_device"):
            if key in first:
                entry[key] = first[key]
        out[name] = entry
    return out


def _paired(summary: dict[str, Any], a: str, b: str) -> tuple[float, float, float]:
    """(mean difference a - b, std of a, std of b) in points."""
    sa, sb = summary[a]["overall_pct"], summary[b]["overall_pct"]
    return sa["mean"] - sb["mean"], sa["std"], sb["std"]


def check_targets(summary: dict[str, Any], budgets: tuple[float, ...]) -> dict[str, Any]:
    mean = {k: v["overall_pct"]["mean"] for k, v in summary.items()}
    lines, checks = [], {}
    for m in ("uvpa_entropy", "uvpa_tta"):
        gain = mean[m] - mean["source"]
        checks[f"{m}_gain_over_source"] = {"points": gain, "target": 15.0, "met": gain >= 15}
        lines.append(f"{m}: {mean[m]:.1f} vs source {mean['source']:.1f}: {gain:+.1f} points "
                     f"(target >= +15: {'met' if gain >= 15 else 'NOT met'})")  # fmt: skip
    tent = mean["tent (updatable device)"]
    for m in ("improved_entropy", "improved_tta", "improved_mc_dropout"):
        ok = mean[m] >= tent
        checks[f"{m}_vs_tent"] = {"points": mean[m] - tent, "met": ok}
        lines.append(f"{m} (25 % upload, forward-only): {mean[m]:.1f} vs TENT {tent:.1f} "
                     f"({'met' if ok else 'NOT met'})")  # fmt: skip
    pairs = [("uvpa_entropy", "prompt_random_upload"), ("uvpa_tta", "prompt_random_upload")]
    pairs += [(m, "improved_random_upload") for m in
              ("improved_entropy", "improved_tta", "improved_mc_dropout")]  # fmt: skip
    for a, b in pairs:
        diff, sa, sb = _paired(summary, a, b)
        single_seed = len(summary[a]["overall_pct_per_seed"]) < 2
        ok = None if single_seed else diff > max(sa, sb)
        checks[f"{a}_vs_{b}"] = {"points": diff, "seed_std": max(sa, sb), "met": ok}
        verdict = {
            None: "one seed: no std, no verdict",
            True: "beats random by more than the seed std",
            False: "does NOT beat random by more than the seed std",
        }[ok]
        lines.append(f"{a} vs {b}: {diff:+.1f} points, seed std {max(sa, sb):.1f}: {verdict}")
    return {"checks": checks, "lines": lines}
