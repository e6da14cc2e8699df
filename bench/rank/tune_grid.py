"""Sweep any ``RankConfig`` fields over a base preset on tuning seeds (never seeds 0-4).

    python -m bench.rank.tune_grid --base byteswarm_v2 --set estimator=beta \
        --grid prior_strength=1,4,16 half_life_rows=460,1850 \
        --scenarios second_pbm1_uniform second_dbn1_zipf --seeds 100 101 \
        --json bench/results/grank_tune_beta.json

Every combination of the ``--grid`` values (fields of ``models.rank.config.RankConfig``,
numbers or words) runs on each scenario and seed (``bench.rank.grank``'s scenarios: the
same worlds, query streams and click draws for every setting); the table gives served
nDCG@10 at the end of the run, mean ± std over the seeds, per scenario and over all of them.
``--queries`` shortens the runs (another length draws another query schedule: compare only
runs of one length).
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import time
import types
import typing
from typing import Any

import numpy as np

from bench.rank.grids import METHODS, full_grid, main_grid
from bench.rank.scenario import Scenario
from bench.rank.sim import Simulation
from bench.rank.tune import check_tuning, run_grid
from models.rank.config import RankConfig

Setting = tuple[tuple[str, Any], ...]


def field_value(name: str, text: str) -> Any:
    """``text`` as a value of ``RankConfig.name`` ("none", true/false, numbers, words);
    ValueError when the field's type does not take it (a misspelt word never runs as one)."""
    lowered = text.lower()
    value: Any = text
    if lowered == "none":
        value = None
    elif lowered in ("true", "false"):
        value = lowered == "true"
    else:
        for kind in (int, float):
            try:
                value = kind(text)
                break
            except ValueError:
                pass
    if not fits(value, FIELD_TYPES[name]):
        raise ValueError(f"{name} cannot be {text!r}")
    return value


def fits(value: Any, hint: Any) -> bool:
    """Whether ``value`` is of the (simple) type ``hint``: bool, int, float, str, None,
    Literal[...] and unions of them."""
    origin = typing.get_origin(hint)
    if origin is typing.Literal:
        return value in typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        return any(fits(value, arg) for arg in typing.get_args(hint))
    if hint is type(None):
        return value is None
    if hint is bool or isinstance(value, bool):
        return hint is bool and isinstance(value, bool)
    if hint is float:
        return isinstance(value, int | float)
    return isinstance(value, hint)


FIELD_TYPES = typing.get_type_hints(RankConfig)


def parse_pairs(texts: list[str]) -> list[tuple[str, list[Any]]]:
    """``field=v1,v2,...`` texts as (field, values); ValueError naming the first bad one."""
    pairs = []
    for text in texts:
        name, _, values = text.partition("=")
        if name not in FIELD_TYPES or not values:
            raise ValueError(f"not a RankConfig field=value[,value...]: {text!r}")
        pairs.append((name, [field_value(name, v) for v in values.split(",")]))
    return pairs


def scenarios() -> dict[str, Scenario]:
    return {s.name: s for s, _ in [*full_grid(), *main_grid()]}


def run_setting(
    base: str, setting: Setting, scenario_name: str, seed: int, queries: int | None
) -> dict[str, Any]:
    started = time.process_time()
    config = dataclasses.replace(METHODS[base], **dict(setting))
    scenario = scenarios()[scenario_name]
    if queries is not None:
        scenario = dataclasses.replace(scenario, n_queries=queries)
    result = Simulation(scenario, config, seed).run()
    curves = result["curves"]
    row = {
        "setting": dict(setting),
        "scenario": scenario_name,
        "seed": seed,
        "ndcg_final": curves["ndcg"][-1],
        "ndcg_shown_final": curves["ndcg_shown"][-1],
        "ndcg_curve": curves["ndcg"],
        "x": result["x"],
        "cpu_s": time.process_time() - started,
    }
    if result["attack_at"] is not None and "attack_top1" in curves:
        after = [i for i, x in enumerate(result["x"]) if x > result["attack_at"]]
        for key in ("attack_top1", "attack_top3"):
            row[key] = float(np.mean([curves[key][i] for i in after]))
    return row


def summarise(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    table = []
    settings: list[dict[str, Any]] = []
    for row in rows:
        if row["setting"] not in settings:
            settings.append(row["setting"])
    for setting in settings:
        mine = [r for r in rows if r["setting"] == setting]
        entry: dict[str, Any] = {"setting": setting}
        for name in dict.fromkeys(r["scenario"] for r in mine):
            runs = [r for r in mine if r["scenario"] == name]
            values = [r["ndcg_final"] for r in runs]
            entry[name] = {"mean": float(np.mean(values)), "std": float(np.std(values))}
            if "attack_top1" in runs[0]:
                entry[name]["attack_top1"] = float(np.mean([r["attack_top1"] for r in runs]))
                entry[name]["attack_top3"] = float(np.mean([r["attack_top3"] for r in runs]))
        entry["all"] = float(np.mean([r["ndcg_final"] for r in mine]))
        table.append(entry)
    return table


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--base", default="byteswarm_v2", choices=sorted(METHODS))
    parser.add_argument("--set", nargs="*", default=[], help="field=value kept in every run")
    parser.add_argument("--grid", nargs="*", default=[], help="field=v1,v2,... crossed")
    parser.add_argument("--scenarios", nargs="+", required=True)
    parser.add_argument("--seeds", type=int, nargs="+", default=[100, 101])
    parser.add_argument("--queries", type=int, help="queries a run (default: the scenario's)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--json", required=True)
    args = parser.parse_args(argv)
    check_tuning(parser, args.seeds, args.scenarios, scenarios())
    try:
        fixed = [(name, values[0]) for name, values in parse_pairs(args.set)]
        grid = parse_pairs(args.grid)
    except ValueError as error:
        parser.error(str(error))
    settings: list[Setting] = [
        (*fixed, *zip([name for name, _ in grid], combo, strict=True))
        for combo in itertools.product(*[values for _, values in grid])
    ]
    tasks = [
        (args.base, setting, name, seed, args.queries)
        for seed in args.seeds
        for setting in settings
        for name in args.scenarios
    ]
    started = time.time()
    table = run_grid("tune_grid", run_setting, tasks, args.workers, args.json, summarise, argv)
    for entry in table:
        cells = [f"{k}={v}" for k, v in entry["setting"].items()] or ["base"]
        for name, block in entry.items():
            if isinstance(block, dict) and name != "setting":
                cells.append(f"{name} {block['mean']:.3f}±{block['std']:.3f}")
                if "attack_top1" in block:
                    cells.append(
                        f"top-1 {block['attack_top1']:.1%} top-3 {block['attack_top3']:.1%}"
                    )
        cells.append(f"all {entry['all']:.3f}")
        print("  ".join(cells))
    print(f"wall {time.time() - started:.0f} s")


if __name__ == "__main__":
    main()
