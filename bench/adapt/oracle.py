"""The oracle gap: the online cloud fit given true labels vs the same family fitted offline.

    python -m bench.adapt.oracle --jobs 3 --offline-steps 150 --json bench/results/adapt_oracle.json
    python -m bench.adapt.oracle --quick --json /tmp/oracle.json

Both sides use true labels, so the gap measures the online fit alone (lag, few uploads,
fit steps, buffer and reset rules), not the teacher. Offline: for each domain, the
prompt is fitted on half of that domain's stream batches (true labels, every image,
`OFFLINE_STEPS` full-batch Adam steps from the best analytic start) and scored on the
other half, and the other way round; a reordered split shows the same domains, so it is
measured against its in-order split's ceiling. Online: the device-cloud loop with the cloud's
teacher replaced by the true labels of the uploads. "before" is the loop as issue 22
found it (one prompt, loss-based reset), "after" the loop the bench ships.
"""

from __future__ import annotations

import argparse
import datetime
import json
import multiprocessing
import platform
import sys
import tempfile
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

import numpy as np
import torch

from bench.adapt.loops import oracle_loops
from bench.adapt.runs import LoopSpec, run_loop
from bench.adapt.splits import SPLITS, bench_stream, load_models
from models.adapt.cloud import CloudConfig, CloudLearner
from models.adapt.digits import to_unit
from models.adapt.nets import FoldedDeviceCNN, split_prompt
from models.adapt.prompts import family_by_name
from models.adapt.stream import StreamBatch
from models.adapt.warm_start import Reference

OFFLINE_STEPS = 300
Rows = dict[str, dict[str, Any]]
QUICK_OFFLINE_STEPS = 30


def offline_fit(
    folded: FoldedDeviceCNN, family_name: str, stream: Sequence[StreamBatch],
    reference: Reference, steps: int = OFFLINE_STEPS,
) -> dict[str, float]:  # fmt: skip
    """Per domain: 2-fold accuracy of a prompt fitted offline on the domain's true labels."""
    family = family_by_name(family_name)
    warm = "features_warp" if "warp" in family.split(family.neutral()) else "features"
    config = CloudConfig(
        buffer_size=10**6, steps=steps, weighting="uniform", on_shift="none",
        warm_start=warm,
    )  # fmt: skip
    out: dict[str, float] = {}
    for domain in dict.fromkeys(b.domain for b in stream):
        batches = [b for b in stream if b.domain == domain]
        right = 0
        for held in (0, 1):
            fit = [b for i, b in enumerate(batches) if i % 2 != held]
            test = [b for i, b in enumerate(batches) if i % 2 == held]
            cloud = CloudLearner(folded, folded, family, config, reference)
            images = np.concatenate([b.images for b in fit])
            labels = np.concatenate([b.labels for b in fit])
            cloud.receive(images, np.ones(len(labels), np.float32), labels)
            prompt = split_prompt(family, cloud.prompt.detach())
            for b in test:
                with torch.no_grad():
                    logits = folded.forward_prompted(torch.from_numpy(to_unit(b.images)), prompt)
                right += int((logits.argmax(1).numpy() == b.labels).sum())
        out[domain] = right / sum(len(b.labels) for b in batches)
    return out


def run_seed(seed: int, splits: list[str], cache: Path, quick: bool, steps: int) -> Rows:
    """Every oracle loop and offline ceiling of one seed: {row name: result}."""
    torch.set_num_threads(1)
    specs = oracle_loops()
    models = load_models(seed, cache, quick)
    rows: Rows = {}
    offline: dict[tuple[str, str], dict[str, Any]] = {}
    for split in splits:
        stream = bench_stream(split, seed, quick)
        in_order = split.removesuffix("_reordered")
        for family in dict.fromkeys(spec.family for spec in specs.values()):
            if (in_order, family) not in offline:  # a reordered split shares its ceiling
                fit_stream = bench_stream(in_order, seed, quick)
                per_domain = offline_fit(models.folded, family, fit_stream, models.reference,
                                         steps)  # fmt: skip
                offline[(in_order, family)] = {
                    "per_domain": per_domain,
                    "overall": float(np.mean(list(per_domain.values()))),
                }
            rows[f"{split}/offline/{family}"] = offline[(in_order, family)]
        for name, spec in specs.items():
            online = run_loop(
                stream, models.runners[spec.family], models.folded, models.teacher,
                replace(spec, labels="oracle"), seed, models.reference,
            )  # fmt: skip
            rows[f"{split}/{name}"] = online | {"spec": asdict(spec)}
            ceiling = rows[f"{split}/offline/{spec.family}"]["overall"]
            print(f"seed {seed} {split:16s} {name:18s} online {100 * online['overall']:5.1f} "
                  f"offline {100 * ceiling:5.1f}", flush=True)  # fmt: skip
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1 seed, short stream")
    parser.add_argument("--seeds", type=int, nargs="+", default=None)
    parser.add_argument("--splits", nargs="+", default=list(SPLITS), choices=list(SPLITS))
    parser.add_argument("--offline-steps", type=int, default=None,
                        help=f"Adam steps of each offline fit (default {OFFLINE_STEPS}; "
                        f"quick {QUICK_OFFLINE_STEPS})")  # fmt: skip
    parser.add_argument("--jobs", type=int, default=1, help="seeds run in parallel processes")
    parser.add_argument("--json", type=Path, required=True)
    parser.add_argument("--cache-dir", type=Path, default=None,
                        help="trained weights (safetensors); default: a temp dir")  # fmt: skip
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    cache = args.cache_dir or Path(tempfile.gettempdir()) / "byteswarm_adapt_weights"
    seeds = args.seeds or ([0] if args.quick else [0, 1, 2])
    steps = args.offline_steps or (QUICK_OFFLINE_STEPS if args.quick else OFFLINE_STEPS)
    started = time.perf_counter()
    specs = oracle_loops()
    if args.jobs <= 1:
        per_seed = {s: run_seed(s, args.splits, cache, args.quick, steps) for s in seeds}
    else:
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(min(args.jobs, len(seeds)), mp_context=context) as pool:
            futures = {s: pool.submit(run_seed, s, args.splits, cache, args.quick, steps)
                       for s in seeds}  # fmt: skip
            per_seed = {s: f.result() for s, f in futures.items()}
    rows: dict[str, dict[int, Any]] = {}
    for seed, seed_rows in per_seed.items():
        for key, value in seed_rows.items():
            rows.setdefault(key, {})[seed] = value
    summary = _summary(rows, specs, seeds, args.splits)
    report = {
        "bench": "adapt_oracle",
        "command": "python -m bench.adapt.oracle "
        + " ".join(sys.argv[1:] if argv is None else argv),
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": platform.platform(),
        "seeds": seeds,
        "offline_steps": steps,
        "gap": summary,
        "runs": rows,
        "wall_seconds": round(time.perf_counter() - started, 1),
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2, default=float) + "\n")
    for split, entries in summary.items():
        for name, entry in entries.items():
            print(f"{split:16s} {name:28s} online {entry['online']['mean']:5.1f} ± "
                  f"{entry['online']['std']:.1f}  offline {entry['offline']['mean']:5.1f}  "
                  f"gap {entry['gap']['mean']:5.1f} ± {entry['gap']['std']:.1f}")  # fmt: skip
    return 0


def _ms(values: list[float]) -> dict[str, float]:
    arr = np.asarray(values, np.float64)
    return {"mean": float(arr.mean()), "std": float(arr.std(ddof=1)) if len(arr) > 1 else 0.0}


def _summary(
    rows: dict[str, dict[Any, Any]], specs: dict[str, LoopSpec], seeds: list[int],
    splits: list[str],
) -> dict[str, dict[str, Any]]:  # fmt: skip
    out: dict[str, dict[str, Any]] = {}
    for split in splits:
        out[split] = {}
        for name, spec in specs.items():
            online = [100 * rows[f"{split}/{name}"][s]["overall"] for s in seeds]
            offline = [100 * rows[f"{split}/offline/{spec.family}"][s]["overall"] for s in seeds]
            out[split][name] = {
                "family": spec.family,
                "online": _ms(online),
                "offline": _ms(offline),
                "gap": _ms([b - a for a, b in zip(online, offline, strict=True)]),
            }
    return out


if __name__ == "__main__":
    raise SystemExit(main())
