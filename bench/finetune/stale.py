"""What the pull transport's stale θ costs (issue 4): one-byte ``independent`` SPSA, K varied.

python -m bench.finetune.stale --pull-every 1 8 32 --seeds 0 1 2 \
    --json bench/results/spsa_stale.json --plot bench/results/spsa_stale.png
python -m bench.finetune.stale --quick --json /tmp/stale.json        (smoke: 10 rounds, 2 probes)
python -m bench.finetune.stale --pull-every 32 --seeds 1 --json part.json   (one cell)
python -m bench.finetune.stale --pull-every 1 --seeds 0 --rounds 50 --json k1_prefix.json
    (the first 50 rounds only: its round-50 curve point must equal bench.finetune.spsa's for seed 0)
python -m bench.finetune.stale --merge part*.json \
    --reference-k1 bench/results/spsa_main_p8_seed{0,1,2}.json \
    --json bench/results/spsa_stale.json --plot bench/results/spsa_stale.png

With ``pull_every`` K a node computes round r's codes on a θ holding everyone's records for
the rounds before K·⌊r/K⌋ and only its own after that, quantising with that view's scale
(bench/finetune/views.py); the shared replica, which every node reaches after its pulls, applies
every record. K = 1 is the synchronous bench. The setting is bench/finetune/spsa.py's main part
(4 peers, 300 rounds, 8 probes, η 3e-2 decaying linearly to 0.1·η, batch 8): the same seed
gives the same K = 1 numbers as ``bench.finetune.spsa --part main``. ``--reference-k1`` takes the
K = 1 runs from those JSONs instead of running every seed again: the merged parts must hold
a K = 1 rerun of at least one of their seeds, and it must reproduce that entry bit for bit.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from dataclasses import asdict, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import torch

from bench.finetune.config import SimConfig
from bench.finetune.methods import BATCH, DECAY_FLOOR, LEARNING_RATE, PROBES
from bench.finetune.sim import simulate
from bench.finetune.task import load_task, machine, summary
from models.spsa.directions import self_check


def base_config(quick: bool, prefix: int | None = None, probes: int = PROBES) -> SimConfig:
    """bench.finetune.spsa's main part (``--part main --probes 8 --lr 3e-2 --decay-rounds 300
    --decay-floor 0.1``) for the ``independent`` method; ``prefix``: only its first rounds
    (same schedule, so its curve must match the full run's up to there); ``probes``: another
    probe count with the same η schedule (64: what the wire bench meets 16 B with)."""
    rounds = 10 if quick else 300
    return SimConfig(
        "independent",
        peers=4,
        rounds=prefix or rounds,
        batch=BATCH,
        learning_rate=LEARNING_RATE,
        eval_every=10 if quick else 50,
        probes=2 if quick else probes,
        decay_rounds=rounds,
        decay_floor=DECAY_FLOOR,
    )


def run_cells(
    base: SimConfig, pull_every: list[int], seeds: list[int], quick: bool
) -> list[dict[str, Any]]:
    torch.set_num_threads(1)
    task = load_task(128 if quick else None)
    runs = []
    for k in pull_every:
        for seed in seeds:
            result = simulate(task, replace(base, seed=seed, pull_every=k))
            runs.append({"pull_every": k, "seed": seed, "source": "run", **asdict(result)})
            print(f"K={k} seed={seed} acc={result.accuracy:.4f} {result.seconds:.0f}s", flush=True)
    return runs


def _same_setting(config: dict[str, Any], base: SimConfig) -> bool:
    ignored = ("seed", "pull_every")
    theirs = {k: v for k, v in config.items() if k not in ignored}
    return theirs == {k: v for k, v in asdict(base).items() if k not in ignored}


def with_reference_k1(
    runs: list[dict[str, Any]], paths: list[Path], base: SimConfig
) -> tuple[list[dict[str, Any]], list[int]]:
    """``runs`` with the K = 1 runs taken from bench.finetune.spsa main-part JSONs of the same
    setting, and the seeds whose K = 1 rerun here reproduced them bit for bit (at least one
    must)."""
    reference = []
    for path in paths:
        report = json.loads(path.read_text())
        if not _same_setting(report["config"]["main"], base):
            raise ValueError(f"{path} ran another setting")
        for run in report["main"]["independent"]["runs"]:
            reference.append({"pull_every": 1, "source": str(path), **run})
    by_seed = {run["seed"]: run for run in reference}
    reproduced = []
    for run in runs:
        theirs = by_seed.get(run["seed"]) if run["pull_every"] == 1 else None
        if theirs is None:
            continue
        if (run["final_sha256"], run["accuracy"]) != (theirs["final_sha256"], theirs["accuracy"]):
            raise ValueError(f"the K=1 rerun of seed {run['seed']} differs from {theirs['source']}")
        reproduced.append(run["seed"])
    if not reproduced:
        raise ValueError("no K=1 rerun here to check the reference runs against")
    kept = [r for r in runs if r["pull_every"] != 1 or r["seed"] not in by_seed]
    return kept + reference, sorted(reproduced)


def tabulate(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Accuracy per K (mean ± std, per seed) and each K's difference to K = 1 paired by seed."""
    by_k: dict[int, dict[int, dict[str, Any]]] = {}
    for run in runs:
        by_k.setdefault(run["pull_every"], {})[run["seed"]] = run
    table: dict[str, Any] = {}
    sync = by_k.get(1, {})
    for k, cells in sorted(by_k.items()):
        seeds = sorted(cells)
        entry = summary([cells[s]["accuracy"] for s in seeds])
        entry["seeds"] = seeds
        paired = [s for s in seeds if s in sync]
        if k != 1 and paired:
            diffs = [cells[s]["accuracy"] - sync[s]["accuracy"] for s in paired]
            entry["minus_k1"] = {**summary(diffs), "seeds": paired}
        table[str(k)] = entry
    return table


def plot(runs: list[dict[str, Any]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    for k in sorted({r["pull_every"] for r in runs}):
        mine = [r for r in runs if r["pull_every"] == k and r.get("curve")]
        if not mine:
            continue
        xs = [x for x, _ in mine[0]["curve"]]
        curves = [[acc for _, acc in r["curve"]] for r in mine if len(r["curve"]) == len(xs)]
        mean = [statistics.fmean(col) for col in zip(*curves, strict=True)]
        ax.plot(xs, mean, marker="o", label=f"K={k} ({len(curves)} seeds)")
    ax.set_xlabel("round")
    ax.set_ylabel("accuracy (first 256 test words)")
    ax.set_title("one-byte independent SPSA: codes on a θ pulled every K rounds", fontsize=10)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pull-every", type=int, nargs="+", default=[1, 8, 32])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--quick", action="store_true", help="smoke: 10 rounds, 2 probes")
    parser.add_argument(
        "--rounds",
        type=int,
        default=None,
        help="run only the first N rounds (schedule unchanged): a cheap check against the "
        "curve of a full bench.finetune.spsa run",
    )
    parser.add_argument(
        "--probes", type=int, default=PROBES, help="probes a peer a round (same η schedule)"
    )
    parser.add_argument("--merge", type=Path, nargs="*", default=None, help="join these parts")
    parser.add_argument(
        "--reference-k1",
        type=Path,
        nargs="*",
        default=None,
        help="take the K=1 runs from these bench.finetune.spsa main-part JSONs",
    )
    parser.add_argument("--note", action="append", default=[], help="add a note to the JSON")
    parser.add_argument("--json", type=Path, required=True)
    parser.add_argument("--plot", type=Path, default=None)
    args = parser.parse_args()
    base = base_config(args.quick, args.rounds, args.probes)
    started = time.perf_counter()
    parts = [json.loads(p.read_text()) for p in args.merge or []]
    for path, part in zip(args.merge or [], parts, strict=True):
        if not _same_setting(part["config"], base):
            raise ValueError(f"{path} ran another setting")
    runs = [run for part in parts for run in part["runs"]]
    if not args.merge:
        self_check()
        runs = run_cells(base, args.pull_every, args.seeds, args.quick)
    reproduced: list[int] = []
    if args.reference_k1:
        runs, reproduced = with_reference_k1(runs, args.reference_k1, base)
    result = {
        "machine": machine(),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": " ".join(["python -m bench.finetune.stale", *sys.argv[1:]]),
        "quick": args.quick,
        "config": asdict(base) | {"pull_every": "varied (K)", "seed": "per run"},
        "notes": [note for part in parts for note in part.get("notes", [])] + args.note,
        "parts": [
            {key: part[key] for key in ("date", "command", "machine", "seconds")}
            | {"path": str(path)}
            for path, part in zip(args.merge or [], parts, strict=True)
        ],
        "k1_reference": {
            "from": [str(p) for p in args.reference_k1 or []],
            "rerun_here_bit_identical_for_seeds": reproduced,
        },
        "accuracy_by_k": tabulate(runs),
        "runs": runs,
        "seconds": time.perf_counter() - started,
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=1))
    if args.plot:
        plot(runs, args.plot)
    print(json.dumps(result["accuracy_by_k"], indent=1))


if __name__ == "__main__":
    main()
