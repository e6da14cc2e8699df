"""Cloud-device prompt adaptation on the tuned and unseen digits streams (issues 5, 22).

    python -m bench.adapt.stream --quick --json out.json            # CI smoke, <= 2 min
    python -m bench.adapt.stream --json bench/results/adapt_splits.json \
        --plot bench/results/adapt_splits.png

Four streams (bench/adapt/splits.py): the tuned split in order and reordered into short
segments, the unseen split (families no setting was chosen on) in order and reordered.
Every method sees the same stream in the same run, per seed; mean ± std over seeds and
paired differences (same seed, same stream, same models). The tuned split also runs the
session-5 loops (additive U-VPA-like prompt, upload budgets and selections).
"""

from __future__ import annotations

import argparse
import datetime
import json
import multiprocessing
import os
import platform
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

import torch

from bench.adapt.loops import ADDITIVE, IMPROVED, headline_loops
from bench.adapt.report import aggregate, check_targets, split_checks
from bench.adapt.runs import LoopSpec, run_loop, run_reference, run_source, run_teacher_everywhere
from bench.adapt.splits import SPLITS, bench_stream, load_models, stream_config
from models.adapt.cloud import CloudConfig

ADDITIVE_SESSION1 = CloudConfig(on_shift="none")  # plain teacher, soft labels, no reset
BUDGETS = (0.10, 0.25, 0.50, 1.00)
SELECTION_FIXES = ("mix", "class_balanced")
Results = dict[str, dict[str, Any]]


def loop_specs(
    budgets: tuple[float, ...], quick: bool = False, measures: bool = False
) -> dict[str, LoopSpec]:
    """The session-5 loops (tuned split only; a smaller set with `quick`). `measures` adds
    TTA and MC-dropout uncertainty (4-5 extra device passes; session 1 measured them worse
    than entropy and than random upload) and the improved family with a plain teacher."""
    additive_random = LoopSpec("additive", "random", 0.25, replace(ADDITIVE, weighting="uniform"))
    improved_random = LoopSpec(
        "filter_feature", "random", 0.25, replace(IMPROVED, weighting="uniform")
    )
    specs = {
        "prompt_random_upload": additive_random,
        "uvpa_entropy": LoopSpec("additive", "entropy", 0.25, ADDITIVE),
        "improved_random_upload": improved_random,
    }
    for selection in SELECTION_FIXES[: 1 if quick else None]:
        specs[f"uvpa_entropy_{selection}"] = replace(specs["uvpa_entropy"], selection=selection)
    if not quick:
        specs["improved_entropy_mix"] = LoopSpec(
            "filter_feature", "entropy", 0.25, IMPROVED, selection="mix"
        )
    if measures:
        specs |= {
            "uvpa_entropy_session1_cloud": LoopSpec("additive", "entropy", 0.25, ADDITIVE_SESSION1),
            "uvpa_tta": LoopSpec("additive", "tta", 0.25, ADDITIVE),
            "improved_plain_teacher_entropy": LoopSpec(
                "filter_feature", "entropy", 0.25, CloudConfig()
            ),
            "improved_tta": LoopSpec("filter_feature", "tta", 0.25, IMPROVED),
            "improved_mc_dropout": LoopSpec("filter_feature", "mc_dropout", 0.25, IMPROVED),
        }
    for fraction in budgets:  # the sweep runs the shipped loop only (CPU budget)
        if fraction != 0.25:
            specs[f"domains_warp@{fraction:.2f}"] = replace(
                headline_loops()["domains_warp"], fraction=fraction
            )
    return specs


def run_split(
    split: str, seed: int, quick: bool, models: Any, budgets: tuple[float, ...], measures: bool,
    save: Any,
) -> Results:  # fmt: skip
    """Every method on one split's stream for one seed."""
    stream = bench_stream(split, seed, quick)
    runner = models.runners["filter_feature"]
    results: Results = {
        "source": run_source(stream, runner, "filter_feature"),
        "bn_stats (updatable device)": run_reference(stream, models.trained, "bn_stats"),
        "tent (updatable device)": run_reference(stream, models.trained, "tent"),
        "teacher_every_sample": run_teacher_everywhere(stream, models.teacher, False, 128),
        "teacher_bn_buffer_every_sample": run_teacher_everywhere(stream, models.teacher, True, 128),
    }
    loops = headline_loops()
    if quick:  # CI: the two ablations are left out
        loops = {
            k: v for k, v in loops.items() if k not in ("domains_no_warp", "domains_no_warm_start")
        }
    if split == "tuned":
        loops |= loop_specs(budgets, quick, measures)
    for name, spec in loops.items():
        t = time.perf_counter()
        results[name] = run_loop(stream, models.runners[spec.family], models.folded,
                                 models.teacher, spec, seed, models.reference)  # fmt: skip
        results[name]["spec"] = asdict(spec)
        print(f"seed {seed} {split:16s} {name:30s} {100 * results[name]['overall']:5.1f} % "
              f"({time.perf_counter() - t:.0f} s)", flush=True)  # fmt: skip
        save(results)
    return results


def run_seed(
    seed: int, splits: list[str], cache: Path, budgets: tuple[float, ...], quick: bool = False,
    measures: bool = False,
) -> dict[str, Results]:  # fmt: skip
    t0 = time.perf_counter()
    models = load_models(seed, cache, quick)
    print(f"seed {seed}: models ready in {time.perf_counter() - t0:.0f} s", flush=True)
    done: dict[str, Results] = {}

    def save(partial: Results) -> None:
        # what is done so far survives an interrupted run (see --from-partial)
        partial_path(cache, seed).write_text(json.dumps(done | {split: partial}, default=float))

    for split in splits:
        done[split] = run_split(split, seed, quick, models, budgets, measures, save)
    return done


def partial_path(cache: Path, seed: int) -> Path:
    return cache / f"adapt_splits_partial_seed{seed}.json"


def load_partial(cache: Path, seeds: list[int], splits: list[str]) -> dict[int, dict[str, Results]]:
    """The methods every seed finished, per split, in an interrupted run."""
    loaded = {seed: json.loads(partial_path(cache, seed).read_text()) for seed in seeds}
    out: dict[int, dict[str, Results]] = {seed: {} for seed in seeds}
    for split in splits:
        if not all(split in r for r in loaded.values()):
            continue
        first = loaded[seeds[0]][split]
        common = [m for m in first if all(m in r[split] for r in loaded.values())]
        for seed in seeds:
            out[seed][split] = {m: loaded[seed][split][m] for m in common}
    return out


def _run_seed_single_thread(
    seed: int, splits: list[str], cache: Path, budgets: tuple[float, ...], quick: bool,
    measures: bool,
) -> dict[str, Results]:  # fmt: skip
    torch.set_num_threads(1)
    return run_seed(seed, splits, cache, budgets, quick, measures)


def run_seeds(
    seeds: list[int], splits: list[str], cache: Path, budgets: tuple[float, ...], jobs: int,
    quick: bool = False, measures: bool = False,
) -> dict[int, dict[str, Results]]:  # fmt: skip
    """Every seed's results; with jobs > 1 the seeds run in spawned processes (one thread
    each), which changes nothing but the wall time."""
    if jobs <= 1:
        return {seed: run_seed(seed, splits, cache, budgets, quick, measures) for seed in seeds}
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(min(jobs, len(seeds)), mp_context=context) as pool:
        futures = {
            seed: pool.submit(
                _run_seed_single_thread, seed, splits, cache, budgets, quick, measures
            )
            for seed in seeds
        }
        return {seed: future.result() for seed, future in futures.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1 seed, short training/stream")
    parser.add_argument("--seeds", type=int, nargs="+", default=None)
    parser.add_argument("--splits", nargs="+", default=list(SPLITS), choices=list(SPLITS))
    parser.add_argument("--json", type=Path, required=True)
    parser.add_argument("--plot", type=Path, default=None)
    parser.add_argument("--cache-dir", type=Path, default=None,
                        help="trained weights (safetensors); default: a temp dir")  # fmt: skip
    parser.add_argument("--jobs", type=int, default=1, help="seeds run in parallel processes")
    parser.add_argument(
        "--from-partial", action="store_true",
        help="report what an interrupted run with the same --cache-dir finished (no runs)",
    )  # fmt: skip
    parser.add_argument(
        "--measures", action="store_true", help="also TTA / MC dropout and more references"
    )
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    seeds = args.seeds or ([0] if args.quick else [0, 1, 2])
    budgets: tuple[float, ...] = (0.25, 1.00) if args.quick else BUDGETS
    cache = args.cache_dir or Path(tempfile.gettempdir()) / "byteswarm_adapt_weights"
    started = time.perf_counter()
    if args.from_partial:
        per_seed = load_partial(cache, seeds, args.splits)
    else:
        per_seed = run_seeds(
            seeds, args.splits, cache, budgets, args.jobs, args.quick, args.measures
        )
    report: dict[str, Any] = {
        "bench": "adapt_splits",
        "command": "python -m bench.adapt.stream "
        + " ".join(sys.argv[1:] if argv is None else argv),
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": {
            "platform": platform.platform(),
            "python": platform.python_version(),
            "torch": torch.__version__,
            "threads": 1,
            "cpus": os.cpu_count(),
            "jobs": args.jobs,
        },
        "seeds": seeds,
        "budgets": list(budgets),
        "complete": not args.from_partial,
        "splits": {},
    }
    for split in args.splits:
        if split not in per_seed[seeds[0]]:
            continue
        summary = aggregate({seed: per_seed[seed][split] for seed in seeds})
        report["splits"][split] = {
            "stream": asdict(stream_config(split, args.quick)),
            "methods": summary,
            "checks": split_checks(summary),
        }
    if "tuned" in report["splits"]:
        tuned = report["splits"]["tuned"]["methods"]
        report["methods"] = tuned  # the session-5 layout, for readers of adapt.json
        report["targets"] = check_targets(tuned, budgets)
    report["wall_seconds"] = round(time.perf_counter() - started, 1)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2, default=float) + "\n")
    if args.plot is not None:
        from bench.adapt.plot import plot

        plot(report, args.plot)
    for split, entry in report["splits"].items():
        for line in entry["checks"]["lines"]:
            print(f"{split}: {line}")
    print(f"wrote {args.json} in {report['wall_seconds']} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
