"""One-byte SPSA bench (issue 4): MiniLM-L6 bitfit subset on VADER word polarity.

python -m bench.spsa --quick --json out.json
python -m bench.spsa --json bench/results/spsa.json --plot bench/results/spsa.png
python -m bench.spsa --part main|byzantine|extras ...   (run the parts in parallel)
python -m bench.spsa --part main --seed-list 1 --methods fp32 independent --json m1.json
python -m bench.spsa --part byzantine --byz-modes shared+screen --attacks same random \
    --byz-fractions 0.3 0.45 --json b.json
python -m bench.spsa --part byzantine --byz-modes shared+screen --screen-suspect-after 3 ...
python -m bench.spsa --part byzantine --byz-modes shared+screen --attacks silent \
    --byz-fractions 0 0.3 0.45 --json silent.json        (a perfect screen's counterfactual)
python -m bench.spsa --part byzantine --byz-modes shared+screen --byz-peers 14 \
    --byz-fractions 0 --json honest14.json
python -m bench.spsa --merge a.json b.json ... --json all.json --plot all.png

``--merge`` joins "main" parts run separately (other seeds or methods, same config), the
"byzantine" parts (other modes or attacks, same config) and takes extras from the last part.
``--screen-suspect-after``, ``--screen-repeat-after``, ``--screen-chronic-after``,
``--screen-start-ignored`` and ``--screen-scale-skips-ignored`` screen with that ScreenRule
field changed from the default rule (recorded as ``config.screen_rule``; parts with
different rules do not merge). ``--attacks silent`` runs the Byzantine peers sending
nothing (a perfect screen); ``--byz-peers`` changes the part's 20 peers. Listing 0
in ``--byz-fractions`` runs the honest cell even when the headline attack (opposing) is not
asked for.
The main part's probes (8 a peer a round), η (3e-2, decaying linearly to 0.1·η) and batch
were picked on a validation part of the training split (``spsa_tune.py``;
``spsa_tune_probes.json``); the Byzantine part keeps one probe and a constant 5e-3 (session 2).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import torch

from bench import spsa_sim
from bench.spsa_sim import SimConfig, Task, accuracy, adam_baseline, peer_batches, simulate
from models.spsa.bert import load_minilm, minilm_dir
from models.spsa.codes import ScaleRule, encode
from models.spsa.directions import self_check
from models.spsa.engine import Record, projected_gradient, record_direction
from models.spsa.layout import bitfit_layout
from models.spsa.polarity import (
    PolarityBatch,
    PolarityLoss,
    WordTokenizer,
    split_words,
    vader_words,
)
from models.spsa.replica import Replica, RunConfig
from models.spsa.screening import ScreenRule
from models.spsa.torch_backend import TorchEncoder

METHODS = ("fp32", "independent", "shared", "sign")
LEARNING_RATE_ONE_PROBE = 5e-3
"""η with one probe per peer per round (the Byzantine part), chosen on validation."""
PROBES = 8
"""Projected gradients per peer per round in the main part (``--quick``: 2, to stay fast)."""
LEARNING_RATE = 3e-2
DECAY_FLOOR = 0.1
"""η of every SPSA method, decaying linearly to DECAY_FLOOR · η at the last round: picked with
PROBES on a validation part of the training split (spsa_tune_probes.json)."""
BATCH = 8
"""Words per peer per round (with 4 peers: 32 words a round, as for Adam)."""
ADAM_LEARNING_RATE = 1e-3


def load_task(test_limit: int | None) -> Task:
    config, weights = load_minilm()
    layout = bitfit_layout({n: w.shape for n, w in weights.items()})
    train, test = split_words(vader_words(1.0), test_fraction=0.2, seed=0)
    tokenizer = WordTokenizer(minilm_dir() / "tokenizer.json")
    return Task(
        TorchEncoder(config, layout, weights),
        layout,
        layout.flatten(weights),
        tokenizer,
        train,
        test[:test_limit] if test_limit else test,
    )


def machine() -> dict[str, Any]:
    return {
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "torch": torch.__version__,
    }


def summary(values: list[float]) -> dict[str, Any]:
    return {
        "mean": statistics.fmean(values),
        "std": statistics.stdev(values) if len(values) > 1 else 0.0,
        "values": values,
    }


def run_main(
    task: Task, base: SimConfig, seeds: list[int], methods: tuple[str, ...] = (*METHODS, "adam")
) -> dict[str, Any]:
    out: dict[str, Any] = {"zero_shot": summary([accuracy(task, task.theta0, task.test)] * 1)}
    runs: dict[str, list[dict[str, Any]]] = {m: [] for m in methods}
    for seed in seeds:
        for method in methods:
            if method == "adam":
                result = adam_baseline(task, replace(base, seed=seed), ADAM_LEARNING_RATE)
            else:
                result = simulate(task, replace(base, method=method, seed=seed))
            runs[method].append({"seed": seed, **asdict(result)})
            print(
                f"main {method} seed={seed} acc={result.accuracy:.4f} {result.seconds:.0f}s",
                flush=True,
            )
    for method, items in runs.items():
        out[method] = {**summary([i["accuracy"] for i in items]), "runs": items}
    return out


def merge_main(parts: list[dict[str, Any]]) -> dict[str, Any]:
    """One "main" section from parts run separately (other seeds or methods, same config)."""
    configs = {json.dumps(p["config"]["main"], sort_keys=True) for p in parts if "main" in p}
    if len(configs) > 1:
        raise ValueError("main parts ran with different configs")
    runs: dict[str, list[dict[str, Any]]] = {}
    zero_shot: list[float] = []
    for part in parts:
        main = part.get("main", {})
        zero_shot += main.get("zero_shot", {}).get("values", [])[:1]
        for method, entry in main.items():
            if method != "zero_shot":
                runs.setdefault(method, []).extend(entry["runs"])
    out: dict[str, Any] = {"zero_shot": summary(zero_shot[:1])}
    for method, items in runs.items():
        items.sort(key=lambda i: i["seed"])
        if len({i["seed"] for i in items}) != len(items):
            raise ValueError(f"{method}: a seed appears in more than one part")
        out[method] = {**summary([i["accuracy"] for i in items]), "runs": items}
    return out


BYZANTINE_MODES = ("independent", "shared", "shared+screen")
"""Aggregations under attack; ``+screen`` sets RunConfig.screen (models/spsa/screening.py)."""
ATTACKS = ("opposing", "same", "random")
"""Byzantine behaviours (bench/spsa_sim.attack_codes); the first is each mode's headline."""
SILENT = "silent"
"""Not an attack: the Byzantine peers send no record, what a perfect screen would leave
(their honest peers keep the shards and batches of the attacked runs). Never counted as the
worst attack in ``targets``."""


def _with_silent(attack_codes: Callable[..., Any]) -> Callable[..., Any]:
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


def merge_byzantine(parts: list[dict[str, Any]]) -> dict[str, Any]:
    """One "byzantine" section from parts that ran other modes with the same config."""
    configs = {
        json.dumps([p["config"]["byzantine"], p["config"].get("screen_rule")], sort_keys=True)
        for p in parts
    }
    if len(configs) > 1:
        raise ValueError("byzantine parts ran with different configs or screen rules")
    out: dict[str, Any] = {}
    for part in parts:
        clash = set(out) & set(part["byzantine"]) - {"peers", "rounds", "batch"}
        if clash:
            raise ValueError(f"byzantine entries in more than one part: {sorted(clash)}")
        out.update(part["byzantine"])
    return out


def _loss_on(loss: PolarityLoss[Any], batch: PolarityBatch) -> Callable[[np.ndarray], float]:
    return lambda theta: loss.loss(theta, batch)


def run_ort_alongside(task: Task, base: SimConfig, rounds: int) -> dict[str, Any]:
    """Three torch peers and one onnxruntime peer, each with its own replica of θ."""
    from models.spsa.onnx_export import export_encoder
    from models.spsa.ort_backend import OrtEncoder

    config, weights = load_minilm()
    started = time.perf_counter()
    path = export_encoder(config, task.layout, weights)
    export_seconds = time.perf_counter() - started
    ort_loss = PolarityLoss(OrtEncoder(path))
    torch_loss = PolarityLoss(task.encoder)
    run = RunConfig(
        "bench-ort",
        "independent",
        base.learning_rate,
        base.epsilon,
        ScaleRule(base.initial_scale),
        10,
    )
    replicas = [Replica(run, task.layout, task.theta0) for _ in range(base.peers)]
    gaps, code_diffs, agree_rounds = [], [], 0
    step_seconds: dict[str, list[float]] = {"torch": [], "onnxruntime": []}
    for r in range(rounds):
        state = replicas[0].state()
        batches = [
            mine[0] for mine in peer_batches(task, replace(base, seed=0, probes=1), r, base.peers)
        ]
        for p, replica in enumerate(replicas):
            backend = ort_loss if p == base.peers - 1 else torch_loss
            z = record_direction(state, f"peer{p}", task.layout.size)
            t0 = time.perf_counter()
            g = projected_gradient(_loss_on(backend, batches[p]), replica.theta, z, base.epsilon)
            step_seconds["onnxruntime" if backend is ort_loss else "torch"].append(
                time.perf_counter() - t0
            )
            if backend is ort_loss:
                g_ref = projected_gradient(
                    _loss_on(torch_loss, batches[p]), replica.theta, z, base.epsilon
                )
                gaps.append(abs(g - g_ref))
                code_diffs.append(
                    abs((encode(g, state.scale) or 0) - (encode(g_ref, state.scale) or 0))
                )
            code = encode(g, state.scale)
            if code is not None:
                for other in replicas:
                    other.offer(Record(run.run_id, r, f"peer{p}", (code,)))
        for replica in replicas:
            replica.close_round()
        agree_rounds += len({rep.sha256 for rep in replicas}) == 1
    return {
        "peers": base.peers,
        "onnxruntime_peers": 1,
        "rounds": rounds,
        "export_seconds": export_seconds,
        "rounds_with_all_hashes_equal": agree_rounds,
        "checkpoint_hashes_equal": len({json.dumps(rep.checkpoint_hashes()) for rep in replicas})
        == 1,
        "accuracy_onnxruntime_replica": accuracy(task, replicas[-1].theta, task.test),
        "max_abs_g_gap_ort_vs_torch": max(gaps),
        "median_abs_g_gap": float(np.median(gaps)),
        "code_off_by": {str(k): code_diffs.count(k) for k in sorted(set(code_diffs))},
        "step_seconds_median": {k: float(np.median(v)) for k, v in step_seconds.items()},
    }


def run_memory() -> dict[str, Any]:
    out = {}
    for what in ("forward", "spsa", "adam"):
        done = subprocess.run(
            [sys.executable, "-m", "bench.spsa_memory", what],
            capture_output=True,
            text=True,
            check=True,
        )
        out[what] = json.loads(done.stdout.strip().splitlines()[-1])
    out["spsa_over_forward_peak"] = out["spsa"]["peak_mib"] / out["forward"]["peak_mib"]
    out["adam_over_forward_peak"] = out["adam"]["peak_mib"] / out["forward"]["peak_mib"]
    return out


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


def plot(result: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    main = result.get("main", {})
    for method in (*METHODS, "adam"):
        if method in main:
            curves = np.array([[acc for _, acc in run["curve"]] for run in main[method]["runs"]])
            xs = [x for x, _ in main[method]["runs"][0]["curve"]]
            axes[0].errorbar(xs, curves.mean(0), yerr=curves.std(0), label=method, capsize=2)
    axes[0].set(xlabel="round", ylabel="accuracy (256 test words)", title="4 peers")
    axes[0].legend()
    byz = result.get("byzantine", {})
    for method in BYZANTINE_MODES:
        keys = sorted(k for k in byz if k.startswith(method + "@") and ":" not in k)
        if keys:
            xs = [float(k.split("@")[1]) for k in keys]
            axes[1].errorbar(
                xs,
                [byz[k]["mean"] for k in keys],
                yerr=[byz[k]["std"] for k in keys],
                label=method,
                marker="o",
                capsize=2,
            )
    axes[1].set(
        xlabel=f"Byzantine fraction (±127 every round, {ATTACKS[0]} attack)",
        ylabel="test accuracy",
        title=f"{byz.get('peers', '?')} peers",
    )
    axes[1].legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)


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
        setattr(spsa_sim, "attack_codes", _with_silent(spsa_sim.attack_codes))  # noqa: B010
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
        setattr(spsa_sim, "ScreenRule", lambda: screen_rule)  # noqa: B010
    if args.merge:
        parts = [json.loads(path.read_text()) for path in args.merge]
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
        result["merged_from"] = [str(path) for path in args.merge]
        result["targets"] = targets(result)
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
        # the Byzantine part: 20 peers, the main part's η and schedule; 2 words each, so a
        # round sees 40 words (main: 32) and 20 peers × 8 words (5× the compute) is not needed
        byz = replace(
            base,
            probes=1,
            decay_rounds=0,
            decay_floor=1.0,
            learning_rate=LEARNING_RATE_ONE_PROBE,
            peers=args.byz_peers or 20,
            batch=2,
            rounds=args.byz_rounds or (8 if quick else 60),
        )
        result = {
            "machine": machine(),
            "date": datetime.now(UTC).isoformat(timespec="seconds"),
            "command": " ".join(sys.argv),
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
        result["targets"] = targets(result)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=1))
    if args.plot:
        plot(result, args.plot)
    print(json.dumps(result.get("targets", {})))


if __name__ == "__main__":
    main()
