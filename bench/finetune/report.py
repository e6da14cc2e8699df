"""The SPSA bench's report: the targets checked on a result, its PNG plot, and one result
merged from part JSONs run separately (``--merge``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from bench.finetune.byzantine import (
    ATTACKS,
    BYZANTINE_MODES,
    SILENT,
    byzantine_key,
    merge_byzantine,
    scale_run,
)
from bench.finetune.methods import METHODS, merge_main


def targets(result: dict[str, Any]) -> dict[str, Any]:
    checks: dict[str, Any] = {}
    main = result.get("main")
    if main and "independent" in main:
        checks["one_byte_independent_ge_0.917"] = main["independent"]["mean"] >= 0.917
    byz = result.get("byzantine")
    if byz:
        # the worst attack that was run, against the mode's own honest run and (for the
        # screened mode) against the unscreened honest run too: screening changes honest runs
        for mode, honest_mode in (
            ("shared", "shared"),
            ("shared+screen", "shared+screen"),
            ("shared+screen", "shared"),
        ):
            honest_key = byzantine_key(honest_mode, 0.0, ATTACKS[0])
            for fraction, slack in ((0.30, 0.01), (0.45, 0.05)):
                keys = [byzantine_key(mode, fraction, a) for a in ATTACKS]
                worst = [byz[k]["mean"] for k in keys if k in byz]
                if honest_key in byz and worst:
                    loss = byz[honest_key]["mean"] - min(worst)
                    name = f"{mode}_at_{fraction:.2f}_within_{slack}_of_{honest_mode}@0"
                    checks[name] = loss <= slack
    extras = result.get("extras")
    if extras and "memory" in extras:
        checks["spsa_peak_le_1.2x_forward"] = extras["memory"]["spsa_over_forward_peak"] <= 1.2
    return checks


def check(result: dict[str, Any]) -> None:
    """Writes the targets and, with a Byzantine part, its per-seed gaps into ``result``."""
    result["targets"] = targets(result)
    if "byzantine" in result:
        result["byzantine_paired"] = paired_gaps(result["byzantine"])


def paired_gaps(byz: dict[str, Any], mode: str = "shared+screen") -> dict[str, Any]:
    """Each attacked cell of ``mode`` against its honest cell, seed by seed.

    A run's accuracy moves ±1.5-3 points with the seed, and a perturbation in round 0 sends
    a run on another trajectory, so a 1-point target is judged on the per-seed differences:
    their mean, std and standard error (std / √n) say how well the seeds pin the gap.
    """
    honest = byz.get(byzantine_key(mode, 0.0, ATTACKS[0]))
    if not honest:
        return {}
    by_seed = dict(zip(honest["seeds"], honest["values"], strict=True))
    gaps: dict[str, Any] = {}
    for key, cell in byz.items():
        if not (isinstance(cell, dict) and key.startswith(f"{mode}@")) or cell is honest:
            continue
        pairs = [(s, v - by_seed[s]) for s, v in zip(cell["seeds"], cell["values"], strict=True)
                 if s in by_seed]  # fmt: skip
        if not pairs:
            continue
        diffs = np.asarray([d for _, d in pairs], dtype=np.float64)
        std = float(diffs.std(ddof=1)) if len(diffs) > 1 else 0.0
        gaps[key] = {
            "seeds": [s for s, _ in pairs],
            "gaps": diffs.tolist(),
            "mean": float(diffs.mean()),
            "std": std,
            "sem": std / float(np.sqrt(len(diffs))),
        }
    return gaps


def merge_parts(paths: list[Path]) -> dict[str, Any]:
    """One result from part JSONs: the "main" parts joined (other seeds or methods, same
    config), the "byzantine" parts joined (other modes, attacks or seeds, same config), extras from
    the last part, targets checked again."""
    parts = [json.loads(path.read_text()) for path in paths]
    result: dict[str, Any] = {}
    for loaded in parts:  # metadata from the first part, sections from the last
        result = {**loaded, **result, **{k: v for k, v in loaded.items() if k == "extras"}}
    byzantine_parts = [p for p in parts if "byzantine" in p]
    if byzantine_parts:
        result["byzantine"] = merge_byzantine(byzantine_parts)
    if any("main" in p for p in parts):
        result["main"] = merge_main(parts)
        main_parts = [p for p in parts if "main" in p]
        result["config"] = {**result.get("config", {}), "main": main_parts[0]["config"]["main"]}
        result["seeds"] = sorted({r["seed"] for r in result["main"]["independent"]["runs"]})
        result["main_dates"] = sorted(
            {d for p in main_parts for d in p.get("main_dates", [p["date"]])}
        )
    for section, key in (("byzantine", "byzantine"), ("extras", "extras_base")):
        owners = [p for p in parts if section in p]
        if owners:  # the settings that section actually ran with
            config = owners[-1]["config"]
            result["config"][key] = config[section if section == "byzantine" else "main"]
            result[f"{section}_date"] = owners[-1]["date"]
            result[f"{section}_dates"] = sorted({p["date"] for p in owners})
    if "byzantine" in result:
        result["scale_20_peers"] = scale_run(result["byzantine"])
    result["merged_from"] = [str(path) for path in paths]
    check(result)
    return result


def _fraction(key: str) -> float:
    return float(key.split("@")[1].split(":")[0])


def plot(result: dict[str, Any], path: Path) -> None:
    """The 4-peer curves (main part) and accuracy against the Byzantine fraction, one line
    per mode and attack (each starting from its mode's honest cell); a part that was not run
    gets no panel."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    main = result.get("main", {})
    byz = result.get("byzantine", {})
    panels = [name for name, part in (("main", main), ("byzantine", byz)) if part]
    fig, axes = plt.subplots(1, max(1, len(panels)), figsize=(5.5 * max(1, len(panels)), 4))
    axis = dict(zip(panels, np.atleast_1d(axes), strict=False))
    if "main" in axis:
        for method in (*METHODS, "adam"):
            if method in main:
                runs = main[method]["runs"]
                curves = np.array([[acc for _, acc in run["curve"]] for run in runs])
                xs = [x for x, _ in runs[0]["curve"]]
                axis["main"].errorbar(
                    xs, curves.mean(0), yerr=curves.std(0), label=method, capsize=2
                )
        axis["main"].set(xlabel="round", ylabel="accuracy (256 test words)", title="4 peers")
        axis["main"].legend()
    if "byzantine" in axis:
        ax = axis["byzantine"]
        for mode in BYZANTINE_MODES:
            for attack in (*ATTACKS, SILENT):
                cells = sorted(
                    (
                        k
                        for k in byz
                        if k.startswith(f"{mode}@")
                        and _fraction(k) > 0
                        and k == byzantine_key(mode, _fraction(k), attack)
                    ),
                    key=_fraction,
                )
                honest = byzantine_key(mode, 0.0, ATTACKS[0])
                keys = [k for k in (honest, *cells) if k in byz]
                if len(keys) < 2:
                    continue
                ax.errorbar(
                    [_fraction(k) for k in keys],
                    [byz[k]["mean"] for k in keys],
                    yerr=[byz[k]["std"] for k in keys],
                    label=f"{mode}, {attack}",
                    marker="o",
                    capsize=2,
                    linestyle="-" if attack == ATTACKS[0] else "--",
                )
        ax.set(
            xlabel="Byzantine fraction (±127 every round)",
            ylabel="test accuracy",
            title=f"{byz.get('peers', '?')} peers, {byz.get('rounds', '?')} rounds",
        )
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
