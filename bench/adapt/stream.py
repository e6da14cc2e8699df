"""Cloud-device prompt adaptation on a continual digits corruption stream (issue 5).

    python -m bench.adapt.stream --quick --json out.json            # CI smoke, <= 2 min
    python -m bench.adapt.stream --json bench/results/adapt.json --plot bench/results/adapt.png

Every method sees the same stream in the same run, per seed; mean ± std over seeds.
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

from bench.adapt.report import aggregate, check_targets
from bench.adapt.runs import LoopSpec, run_loop, run_reference, run_source, run_teacher_everywhere
from models.adapt.cloud import CloudConfig, cloud_preset
from models.adapt.digits import load_digit_splits
from models.adapt.onnx_export import export_device_onnx
from models.adapt.prompts import family_by_name
from models.adapt.runner import DeviceRunner
from models.adapt.stream import StreamConfig, materialise
from models.adapt.training import TrainConfig, device_model, teacher_model

# additive prompt (the paper-like family), chosen on the validation stream of
# bench/adapt/tune.py (validation split, training seeds 10/11; results in
# bench/results/adapt_tune.json): the teacher normalised with the upload buffer's BN
# statistics gives hard labels; a new domain is noticed from the uploads' image statistics
# (it fired exactly at the 7 domain changes) and restarts the prompt and buffer; a
# smoothness penalty keeps 256 free values from fitting the pixel noise of a few uploads.
ADDITIVE = cloud_preset("additive")
ADDITIVE_SESSION1 = CloudConfig(on_shift="none")  # plain teacher, soft labels, no reset
IMPROVED = cloud_preset("filter_feature")  # loss-based reset (session 1)
BUDGETS = (0.10, 0.25, 0.50, 1.00)
SELECTION_FIXES = ("mix", "class_balanced")


def loop_specs(
    budgets: tuple[float, ...], quick: bool = False, measures: bool = False
) -> dict[str, LoopSpec]:
    """Every device-cloud loop of the bench (a smaller set with `quick`). `measures` adds
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
        "improved_entropy": LoopSpec("filter_feature", "entropy", 0.25, IMPROVED),
    }
    for selection in SELECTION_FIXES[: 1 if quick else None]:
        specs[f"uvpa_entropy_{selection}"] = replace(specs["uvpa_entropy"], selection=selection)
    if not quick:
        specs["improved_entropy_mix"] = replace(specs["improved_entropy"], selection="mix")
    if measures:
        specs |= {
            "uvpa_entropy_session1_cloud": LoopSpec("additive", "entropy", 0.25, ADDITIVE_SESSION1),
            "uvpa_tta": LoopSpec("additive", "tta", 0.25, ADDITIVE),
            "improved_plain_teacher_entropy": LoopSpec(
                "filter_feature", "entropy", 0.25, CloudConfig()
            ),
            "improved_tta": LoopSpec("filter_feature", "tta", 0.25, IMPROVED),
            "improved_mc_dropout": LoopSpec("filter_feature", "mc_dropout", 0.25, IMPROVED),
            "improved_entropy_class_balanced": replace(
                specs["improved_entropy"], selection="class_balanced"
            ),
        }
    for fraction in budgets:  # the sweep runs the improved family only (CPU budget)
        if fraction != 0.25:
            specs[f"improved_entropy@{fraction:.2f}"] = LoopSpec(
                "filter_feature", "entropy", fraction, IMPROVED
            )
    return specs


def run_seed(
    seed: int,
    stream_config: StreamConfig,
    train: TrainConfig,
    cache: Path,
    budgets: tuple[float, ...],
    quick: bool = False,
    measures: bool = False,
) -> dict[str, dict[str, Any]]:
    splits = load_digit_splits()
    t0 = time.perf_counter()
    trained = device_model(splits, seed, cache, train)
    teacher = teacher_model(splits, seed, cache, train)
    folded = trained.fold()
    runners = {
        name: DeviceRunner(export_device_onnx(folded, family_by_name(name)))
        for name in ("additive", "filter_feature")
    }
    print(f"seed {seed}: models ready in {time.perf_counter() - t0:.0f} s", flush=True)
    stream = materialise(splits.stream_images, splits.stream_labels, stream_config, seed)
    results: dict[str, dict[str, Any]] = {
        "source": run_source(stream, runners["additive"], "additive"),
        "bn_stats (updatable device)": run_reference(stream, trained, "bn_stats"),
        "tent (updatable device)": run_reference(stream, trained, "tent"),
        "teacher_every_sample": run_teacher_everywhere(stream, teacher, False, 128),
        "teacher_bn_buffer_every_sample": run_teacher_everywhere(stream, teacher, True, 128),
    }
    for name, spec in loop_specs(budgets, quick, measures).items():
        t = time.perf_counter()
        results[name] = run_loop(stream, runners[spec.family], folded, teacher, spec, seed)
        results[name]["spec"] = asdict(spec)
        took = time.perf_counter() - t
        print(f"seed {seed}: {name:34s} {100 * results[name]['overall']:5.1f} % ({took:.0f} s)",
              flush=True)  # fmt: skip
        # what is done so far survives an interrupted run (see --from-partial)
        partial_path(cache, seed).write_text(json.dumps(results, default=float))
    return results


def partial_path(cache: Path, seed: int) -> Path:
    return cache / f"adapt_bench_partial_seed{seed}.json"


def load_partial(cache: Path, seeds: list[int]) -> dict[int, dict[str, dict[str, Any]]]:
    """The loops every seed finished in an interrupted run (same order as run)."""
    loaded = {seed: json.loads(partial_path(cache, seed).read_text()) for seed in seeds}
    common = [name for name in loaded[seeds[0]] if all(name in r for r in loaded.values())]
    return {seed: {name: loaded[seed][name] for name in common} for seed in seeds}


def _run_seed_single_thread(
    seed: int, stream_config: StreamConfig, train: TrainConfig, cache: Path,
    budgets: tuple[float, ...], quick: bool, measures: bool,
) -> dict[str, dict[str, Any]]:  # fmt: skip
    torch.set_num_threads(1)
    return run_seed(seed, stream_config, train, cache, budgets, quick, measures)


def run_seeds(
    seeds: list[int], stream_config: StreamConfig, train: TrainConfig, cache: Path,
    budgets: tuple[float, ...], jobs: int, quick: bool = False, measures: bool = False,
) -> dict[int, dict[str, dict[str, Any]]]:  # fmt: skip
    """Every seed's results; with jobs > 1 the seeds run in spawned processes (one thread
    each), which changes nothing but the wall time."""
    if jobs <= 1:
        return {
            seed: run_seed(seed, stream_config, train, cache, budgets, quick, measures)
            for seed in seeds
        }
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(min(jobs, len(seeds)), mp_context=context) as pool:
        futures = {
            seed: pool.submit(
                _run_seed_single_thread,
                seed,
                stream_config,
                train,
                cache,
                budgets,
                quick,
                measures,
            )
            for seed in seeds
        }
        return {seed: future.result() for seed, future in futures.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1 seed, short training/stream")
    parser.add_argument("--seeds", type=int, nargs="+", default=None)
    parser.add_argument("--severity", type=int, default=5)
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
    if args.quick:
        seeds = args.seeds or [0]
        stream_config = StreamConfig(severity=args.severity, images_per_domain=100)
        train = TrainConfig(device_epochs=10, teacher_epochs=8)
        budgets: tuple[float, ...] = (0.25, 1.00)
    else:
        seeds = args.seeds or [0, 1, 2]
        # 400 of the 600 pool images per domain: 8 batches a domain, 64 rounds in all
        stream_config = StreamConfig(severity=args.severity, images_per_domain=400)
        train = TrainConfig()
        budgets = BUDGETS
    cache = args.cache_dir or Path(tempfile.gettempdir()) / "byteswarm_adapt_weights"
    started = time.perf_counter()
    if args.from_partial:
        per_seed = load_partial(cache, seeds)
    else:
        per_seed = run_seeds(
            seeds, stream_config, train, cache, budgets, args.jobs, args.quick, args.measures
        )
    summary = aggregate(per_seed)
    report: dict[str, Any] = {
        "bench": "adapt",
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
        "stream": asdict(stream_config),
        "train": asdict(train),
        "budgets": list(budgets),
        "loops": [
            k
            for k in per_seed[seeds[0]]
            if k in loop_specs(budgets, True, True) or k in loop_specs(budgets, False, True)
        ],
        "complete": not args.from_partial,
        "methods": summary,
        "targets": check_targets(summary, budgets),
        "wall_seconds": round(time.perf_counter() - started, 1),
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2, default=float) + "\n")
    if args.plot is not None:
        from bench.adapt.plot import plot

        plot(report, args.plot)
    for line in report["targets"]["lines"]:
        print(line)
    print(f"wrote {args.json} in {report['wall_seconds']} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
