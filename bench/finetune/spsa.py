"""One-byte SPSA bench (issue 4): MiniLM-L6 bitfit subset on VADER word polarity.

python -m bench.finetune.spsa --quick --json out.json
python -m bench.finetune.spsa --json bench/results/spsa.json --plot bench/results/spsa.png
python -m bench.finetune.spsa --part main|byzantine|extras ...   (run the parts in parallel)
python -m bench.finetune.spsa --part main --seed-list 1 --methods fp32 independent --json m1.json
python -m bench.finetune.spsa --part byzantine --byz-modes shared+screen --attacks same random \
    --byz-fractions 0.3 0.45 --json b.json
python -m bench.finetune.spsa --part byzantine --byz-modes shared+screen \
    --screen-suspect-after 3 ...
python -m bench.finetune.spsa --part byzantine --byz-modes shared+screen --attacks silent \
    --byz-fractions 0 0.3 0.45 --json silent.json        (a perfect screen's counterfactual)
python -m bench.finetune.spsa --part byzantine --byz-modes shared+screen --byz-peers 14 \
    --byz-fractions 0 --json honest14.json
python -m bench.finetune.spsa --merge a.json b.json ... --json all.json --plot all.png

``--merge`` joins "main" parts run separately (other seeds or methods, same config), the
"byzantine" parts (other modes, attacks or seeds, same config) and takes extras from the last part.
``--screen-suspect-after``, ``--screen-repeat-after``, ``--screen-chronic-after``,
``--screen-start-ignored`` and ``--screen-scale-skips-ignored`` screen with that ScreenRule
field changed from the default rule (recorded as ``config.screen_rule``; parts with
different rules do not merge). ``--attacks silent`` runs the Byzantine peers sending
nothing (a perfect screen); ``--byz-peers`` changes the part's 20 peers. Listing 0
in ``--byz-fractions`` runs the honest cell even when the headline attack (opposing) is not
asked for.
The main part's probes (8 a peer a round), η (3e-2, decaying linearly to 0.1·η) and batch
were picked on a validation part of the training split (``bench/finetune/tune.py``;
``spsa_tune_probes.json``); the Byzantine part keeps one probe and a constant 5e-3 (session 2).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import asdict, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import torch

from bench.finetune import sim
from bench.finetune.byzantine import (
    ATTACKS,
    BYZANTINE_MODES,
    LEARNING_RATE_ONE_PROBE,
    SILENT,
    run_byzantine,
    scale_run,
    with_silent,
)
from bench.finetune.config import SimConfig
from bench.finetune.extras import run_memory, run_ort_alongside
from bench.finetune.methods import (
    BATCH,
    DECAY_FLOOR,
    LEARNING_RATE,
    METHODS,
    PROBES,
    run_main,
)
from bench.finetune.report import check, merge_parts, plot
from bench.finetune.task import load_task, machine
from models.spsa.directions import self_check
from models.spsa.screening import ScreenRule


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="CI smoke: few rounds, small test set")
    parser.add_argument("--part", choices=["all", "main", "byzantine", "extras"], default="all")
    parser.add_argument("--seeds", type=int, default=3, help="seeds 0..N-1")
    parser.add_argument("--seed-list", type=int, nargs="+", default=None, help="these seeds")
    parser.add_argument(
        "--methods", nargs="+", choices=[*METHODS, "adam"], default=[*METHODS, "adam"]
    )
    parser.add_argument("--rounds", type=int, default=None)
    parser.add_argument(
        "--probes",
        type=int,
        default=None,
        help=f"projected gradients per peer per round in the main part [{PROBES}; quick: 2]",
    )
    parser.add_argument("--lr", type=float, default=None, help="η of the SPSA methods")
    parser.add_argument(
        "--decay-rounds",
        type=int,
        default=None,
        help="η decays linearly to --decay-floor × η at this round [the last round]",
    )
    parser.add_argument("--decay-floor", type=float, default=None, help=f"[{DECAY_FLOOR}]")
    parser.add_argument("--byz-rounds", type=int, default=None)
    parser.add_argument(
        "--byz-lr",
        type=float,
        default=None,
        help=f"η of the Byzantine part [{LEARNING_RATE_ONE_PROBE}]",
    )
    parser.add_argument(
        "--byz-decay-floor",
        type=float,
        default=None,
        help="η of the Byzantine part decays linearly to this × η by its last round [1: constant]",
    )
    parser.add_argument(
        "--byz-batch", type=int, default=None, help="words per peer per round, Byzantine part [2]"
    )
    parser.add_argument("--byz-modes", nargs="+", choices=BYZANTINE_MODES, default=BYZANTINE_MODES)
    parser.add_argument("--byz-fractions", type=float, nargs="+", default=None)
    parser.add_argument("--attacks", nargs="+", choices=[*ATTACKS, SILENT], default=None)
    parser.add_argument(
        "--byz-peers", type=int, default=None, help="peers of the Byzantine part [20]"
    )
    parser.add_argument(
        "--screen-suspect-after",
        type=int,
        default=None,
        help="screen with ScreenRule(suspect_after=N) (default: ScreenRule())",
    )
    parser.add_argument(
        "--screen-repeat-after",
        type=int,
        default=None,
        help="screen with ScreenRule(repeat_after=N) (repeaters: screening.py)",
    )
    parser.add_argument(
        "--screen-chronic-after",
        type=int,
        default=None,
        help="screen with ScreenRule(chronic_after=N) (screening.py)",
    )
    parser.add_argument(
        "--screen-start-ignored",
        action="store_true",
        help="screen with ScreenRule(start_ignored=True) (screening.py)",
    )
    parser.add_argument(
        "--screen-scale-skips-ignored",
        action="store_true",
        help="screen with ScreenRule(scale_skips_ignored=True) (screening.py, rules v3)",
    )
    parser.add_argument("--json", type=Path, required=True)
    parser.add_argument("--plot", type=Path, default=None)
    parser.add_argument("--merge", type=Path, nargs="*", default=None)
    args = parser.parse_args()
    torch.set_num_threads(1)
    if SILENT in (args.attacks or ()):  # simulate() calls the module's attack_codes
        setattr(sim, "attack_codes", with_silent(sim.attack_codes))  # noqa: B010
    asked = {
        "suspect_after": args.screen_suspect_after,
        "repeat_after": args.screen_repeat_after,
        "chronic_after": args.screen_chronic_after,
        "start_ignored": True if args.screen_start_ignored else None,
        "scale_skips_ignored": True if args.screen_scale_skips_ignored else None,
    }
    screen_rule = replace(ScreenRule(), **{k: v for k, v in asked.items() if v is not None})
    if screen_rule != ScreenRule():
        # simulate() builds ScreenRule() itself; SimConfig.screen is only an on/off switch
        setattr(sim, "ScreenRule", lambda: screen_rule)  # noqa: B010
    if args.merge:
        result: dict[str, Any] = merge_parts(args.merge)
    else:
        self_check()
        quick = args.quick
        task = load_task(128 if quick else None)
        seeds = args.seed_list or list(range(args.seeds))
        rounds = args.rounds or (10 if quick else 300)
        base = SimConfig(
            "independent",
            peers=4,
            rounds=rounds,
            batch=BATCH,
            learning_rate=args.lr or LEARNING_RATE,
            eval_every=10 if quick else 50,
            probes=args.probes or (2 if quick else PROBES),
            decay_rounds=rounds if args.decay_rounds is None else args.decay_rounds,
            decay_floor=DECAY_FLOOR if args.decay_floor is None else args.decay_floor,
        )
        # the Byzantine part: 20 peers, one probe, its own η (constant unless --byz-decay-floor)
        # and 2 words each, so a round sees 40 words (main: 32) and 20 peers × 8 words (5× the
        # compute) is not needed
        byz_rounds = args.byz_rounds or (8 if quick else 60)
        byz_floor = 1.0 if args.byz_decay_floor is None else args.byz_decay_floor
        byz = replace(
            base,
            probes=1,
            decay_rounds=byz_rounds if byz_floor < 1.0 else 0,
            decay_floor=byz_floor,
            learning_rate=args.byz_lr or LEARNING_RATE_ONE_PROBE,
            peers=args.byz_peers or 20,
            batch=args.byz_batch or 2,
            rounds=byz_rounds,
        )
        result = {
            "machine": machine(),
            "date": datetime.now(UTC).isoformat(timespec="seconds"),
            "command": " ".join(["python -m bench.finetune.spsa", *sys.argv[1:]]),
            "quick": quick,
            "seeds": seeds,
            "config": {
                "main": asdict(base),
                "byzantine": asdict(byz),
                "train_words": len(task.train),
                "test_words": len(task.test),
                "trainable_values": task.layout.size,
                "screen_rule": asdict(screen_rule),
            },
        }
        seconds: dict[str, float] = {}
        if args.part in ("all", "main"):
            started = time.perf_counter()
            result["main"] = run_main(task, base, seeds, tuple(args.methods))
            seconds["main"] = time.perf_counter() - started
        if args.part in ("all", "byzantine"):
            started = time.perf_counter()
            fractions = args.byz_fractions or ([0.3] if quick else [0.1, 0.3, 0.45])
            attacks = tuple(args.attacks or (ATTACKS[:1] if quick else ATTACKS))
            byz_seeds = seeds[:1] if quick else seeds  # smoke: one seed per Byzantine cell
            result["byzantine"] = run_byzantine(
                task, byz, byz_seeds, fractions, tuple(args.byz_modes), attacks
            )
            result["scale_20_peers"] = scale_run(result["byzantine"])
            seconds["byzantine"] = time.perf_counter() - started
        if args.part in ("all", "extras"):
            started = time.perf_counter()
            result["extras"] = {
                "memory": run_memory(),
                "onnxruntime_alongside": run_ort_alongside(task, base, 3 if quick else 30),
            }
            seconds["extras"] = time.perf_counter() - started
        result["part_seconds"] = seconds
        check(result)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=1))
    if args.plot:
        plot(result, args.plot)
    print(json.dumps(result.get("targets", {})))


if __name__ == "__main__":
    main()
