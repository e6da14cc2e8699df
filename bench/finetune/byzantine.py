"""The SPSA bench's Byzantine part: each aggregation honest and under attack on 20 peers, the
scale run read off its honest cells, and the merge of Byzantine parts run separately."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from bench.finetune.config import SimConfig
from bench.finetune.sim import simulate
from bench.finetune.task import Task, summary

LEARNING_RATE_ONE_PROBE = 5e-3
"""η with one probe per peer per round (the Byzantine part), chosen on validation."""
BYZANTINE_MODES = ("independent", "shared", "shared+screen")
"""Aggregations under attack; ``+screen`` sets RunConfig.screen (models/spsa/screening.py)."""
ATTACKS = ("opposing", "same", "random")
"""Byzantine behaviours (bench/finetune/sim.attack_codes); the first is each mode's headline."""
SILENT = "silent"
"""Not an attack: the Byzantine peers send no record, what a perfect screen would leave
(their honest peers keep the shards and batches of the attacked runs). Never counted as the
worst attack in ``targets``."""


def with_silent(attack_codes: Callable[..., Any]) -> Callable[..., Any]:
    """``attack_codes`` that also knows SILENT (the CLI patches it into bench.finetune.sim)."""

    def codes(config: SimConfig, *args: Any) -> list[tuple[int, ...] | None]:
        if config.attack == SILENT:
            return [None] * config.byzantine
        return list(attack_codes(config, *args))

    return codes


def byzantine_key(mode: str, fraction: float, attack: str) -> str:
    return f"{mode}@{fraction:.2f}" + ("" if attack == ATTACKS[0] else f":{attack}")


def run_byzantine(
    task: Task,
    base: SimConfig,
    seeds: list[int],
    fractions: list[float],
    modes: tuple[str, ...] = BYZANTINE_MODES,
    attacks: tuple[str, ...] = ATTACKS,
) -> dict[str, Any]:
    """Each mode honest (when the headline attack is asked for) and at each fraction; the
    unscreened modes see only the first attack asked for, the screened mode every one."""
    out: dict[str, Any] = {"peers": base.peers, "rounds": base.rounds, "batch": base.batch}
    for mode in modes:
        method, screen = mode.split("+")[0], mode.endswith("+screen")
        for fraction in [0.0, *(f for f in fractions if f)]:  # `--byz-fractions 0`: honest only
            if fraction:
                kinds = attacks if screen else attacks[:1]
            else:  # nobody attacks: once, under the headline key (asked for or listed as 0)
                kinds = ATTACKS[:1] if ATTACKS[0] in attacks or 0.0 in fractions else ()
            for attack in kinds:
                count = round(fraction * base.peers)
                runs = []
                for seed in seeds:
                    config = replace(
                        base,
                        method=method,
                        byzantine=count,
                        seed=seed,
                        attack=attack,
                        screen=screen,
                    )
                    result = simulate(task, config)
                    runs.append(result)
                    print(
                        f"byz {mode} {attack} {count}/{base.peers} seed={seed} "
                        f"acc={result.accuracy:.4f} {result.seconds:.0f}s",
                        flush=True,
                    )
                out[byzantine_key(mode, fraction, attack)] = {
                    "byzantine": count,
                    "attack": attack,
                    **summary([r.accuracy for r in runs]),
                    "seeds": seeds,
                    "rounds_per_second": summary([r.rounds_per_second for r in runs]),
                    "honest_ever_excluded": sorted(
                        {a for r in runs for a in r.honest_ever_excluded}
                    ),
                    "byzantine_excluded_share": summary([r.byzantine_excluded_share for r in runs]),
                    "honest_saturated_share": summary([r.honest_saturated_share for r in runs]),
                    "byzantine_admitted_share": summary([r.byzantine_admitted_share for r in runs]),
                }
    return out


def scale_run(byz: dict[str, Any]) -> dict[str, Any]:
    """The 20-peer honest runs of the Byzantine part, as the scale run (accuracy, rounds/s)."""
    out: dict[str, Any] = {"peers": byz["peers"], "rounds": byz["rounds"], "batch": byz["batch"]}
    for mode in BYZANTINE_MODES:
        entry = byz.get(byzantine_key(mode, 0.0, ATTACKS[0]))
        if entry:
            keys = ("mean", "std", "values", "seeds", "rounds_per_second")
            out[mode] = {k: entry[k] for k in keys if k in entry}
    return out


_PER_SEED = (
    "rounds_per_second",
    "byzantine_excluded_share",
    "honest_saturated_share",
    "byzantine_admitted_share",
)


def _join_cells(key: str, a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    """One cell from two runs of it on other seeds (a seed in both must have the same
    accuracy: the runs are deterministic, so a rerun that differs is another config)."""
    if (a["byzantine"], a["attack"]) != (b["byzantine"], b["attack"]):
        raise ValueError(f"{key}: parts disagree on the attackers")
    runs: dict[int, tuple[float, dict[str, float]]] = {}
    for cell in (a, b):
        for i, seed in enumerate(cell["seeds"]):
            extra = {name: cell[name]["values"][i] for name in _PER_SEED if name in cell}
            if seed in runs and runs[seed][0] != cell["values"][i]:
                raise ValueError(f"{key}: seed {seed} ran in two parts with other results")
            runs[seed] = (cell["values"][i], extra)
    seeds = sorted(runs)
    return {
        "byzantine": a["byzantine"],
        "attack": a["attack"],
        **summary([runs[s][0] for s in seeds]),
        "seeds": seeds,
        **{  # a diagnostic older parts lack is left out
            name: summary([runs[s][1][name] for s in seeds])
            for name in _PER_SEED
            if all(name in runs[s][1] for s in seeds)
        },
        "honest_ever_excluded": sorted({*a["honest_ever_excluded"], *b["honest_ever_excluded"]}),
    }


def merge_byzantine(parts: list[dict[str, Any]]) -> dict[str, Any]:
    """One "byzantine" section from parts that ran other modes, attacks or seeds with the
    same config; a cell run in several parts joins their seeds."""
    configs = {
        json.dumps([p["config"]["byzantine"], p["config"].get("screen_rule")], sort_keys=True)
        for p in parts
    }
    if len(configs) > 1:
        raise ValueError("byzantine parts ran with different configs or screen rules")
    out: dict[str, Any] = {}
    for part in parts:
        for key, cell in part["byzantine"].items():
            if key in ("peers", "rounds", "batch") or key not in out:
                out[key] = cell
            else:
                out[key] = _join_cells(key, out[key], cell)
    return out
