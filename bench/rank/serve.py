"""``byteswarm search`` on a real store: the rank service's serving path with 100k click rows.

    python -m bench.rank.serve --json bench/results/grank_serve.json \
        --plot bench/results/grank_serve.png

``bench.rank.latency`` times ``RankIndex.rank`` alone. This times what a search costs the
node: a SQLite store (``node.store.database.Store``) holding a 5,000-item catalogue and ``--rows``
signed click records from ``--authors`` authors, and per query the daemon's own two steps,
``IndexTail.refresh`` (read and decode the records that arrived since the last query) and
``IndexTail.search``. Between queries 10 records arrive, as gossip would bring them, and every
tenth query the node clicks itself. It also times the cold start that the offline CLI pays
(``byteswarm search`` with no daemon builds the index from the store: ``open_tail``), which is
also what a rebuild costs when the click rate moves the half-life (``models.rank.click_rate``),
and the whole offline ``byteswarm search`` process, interpreter start included.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from bench.rank.world import World, realistic_world
from models.rank.config import PRESETS
from node import wire
from node.config.services import RankSettings
from node.config.settings import STORE_FILE
from node.rank.index import open_tail
from node.rank.records import compact_click, import_items
from node.store.database import Store
from node.store.rows import RecordRow

GOSSIP_ROWS_PER_QUERY = 10


class ClickWriter:
    """Signed click records from a fixed set of authors, with their own seq counters."""

    def __init__(self, world: World, n_authors: int, seed: int, start_ms: int) -> None:
        self.world = world
        self.rng = np.random.default_rng([seed, 1])
        self.seeds = [
            bytes(self.rng.integers(0, 256, 32, dtype=np.uint8)) for _ in range(n_authors)
        ]
        self.next_seq = [0] * n_authors
        self.ts_ms = start_ms

    def rows(self, count: int, author: int | None = None) -> list[RecordRow]:
        out = []
        for _ in range(count):
            query = self.world.sample_query(self.rng)
            matches = self.world.matches[query] or [self.world.items[0].id]
            # the page down to the click: the click at rank 1-5, other matches above it
            page = self.rng.permutation(matches)[: int(self.rng.integers(1, 6))].tolist()
            item = page[-1]
            who = int(self.rng.integers(1, len(self.seeds))) if author is None else author
            body = wire.encode(compact_click(query, page, item))
            self.ts_ms += 1_000
            record = wire.sign_record(
                self.seeds[who], wire.CLICKS_TOPIC, self.next_seq[who], self.ts_ms, body
            )
            self.next_seq[who] += 1
            out.append(
                RecordRow(
                    record.topic, record.author, record.seq, record.ts_ms, wire.encode(record)
                )
            )
        return out


def measure(
    seed: int, n_rows: int, n_authors: int, n_queries: int, cli_runs: int, preset: str
) -> dict[str, Any]:
    world = realistic_world(seed, n_items=5_000, n_tags=200)
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp)
        # one row a second, ending before now: rows dated past now + 5 min count as then
        span_rows = n_rows + n_queries * (GOSSIP_ROWS_PER_QUERY + 1)
        writer = ClickWriter(world, n_authors, seed, int(time.time() * 1000) - span_rows * 1_000)
        me = wire.peer_id_str(bytes(32))  # an id no signer has: author 0's rows are "ours"
        with Store.open(data_dir / STORE_FILE) as store:
            import_items(store, list(world.items))
            started = time.perf_counter()
            for done in range(0, n_rows, 5_000):
                with store.transaction():
                    store.insert_records(writer.rows(min(5_000, n_rows - done)), "sync")
                print(
                    f"  seed {seed}: {done + 5_000:,}/{n_rows:,} rows stored", end="\r", flush=True
                )
            print()
            build_s = time.perf_counter() - started
            started = time.perf_counter()
            tail = open_tail(store, me, PRESETS[preset])
            open_s = time.perf_counter() - started
            queries = [world.sample_query(writer.rng) for _ in range(n_queries)]
            wall, cpu = [], []
            rebuilds = 0
            for n, query in enumerate(queries):
                index_before = tail.index
                with store.transaction():
                    store.insert_records(writer.rows(GOSSIP_ROWS_PER_QUERY), "gossip")
                    if n % 10 == 0:
                        store.insert_records(writer.rows(1, author=0), "local")
                begun, cpu_begun = time.perf_counter(), time.thread_time()
                tail.refresh(store)
                tail.search(query, 10)
                wall.append(time.perf_counter() - begun)
                cpu.append(time.thread_time() - cpu_begun)
                rebuilds += tail.index is not index_before
        cli: list[float] = []
        cli_results = 0
        for _ in range(cli_runs):
            begun = time.perf_counter()
            answer = subprocess.run(
                [sys.executable, "-m", "node", "search", queries[0], "--data-dir", tmp, "--json"],
                check=True,
                capture_output=True,
                text=True,
            )
            cli.append(time.perf_counter() - begun)
            cli_results = len(json.loads(answer.stdout))
    return {
        "seed": seed,
        "preset": preset,
        "rows": n_rows,
        "authors": n_authors,
        "store_build_s": build_s,
        "open_tail_s": open_s,
        "serve_p50_ms": 1e3 * float(np.percentile(wall, 50)),
        "serve_p99_ms": 1e3 * float(np.percentile(wall, 99)),
        "serve_max_ms": 1e3 * float(np.max(wall)),
        # CPU time of this thread: what the two shared cores' other load does not inflate
        "serve_cpu_p50_ms": 1e3 * float(np.percentile(cpu, 50)),
        "serve_cpu_p99_ms": 1e3 * float(np.percentile(cpu, 99)),
        "rebuilds_during_queries": rebuilds,
        "half_life_s": tail.index.config.half_life_s,
        "offline_cli_s": cli,
        "offline_cli_results": cli_results,
        "rows_indexed": tail.rate.seen,
        "serve_ms": [1e3 * w for w in wall],
    }


def write_plot(runs: list[dict[str, Any]], path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5))
    for run in runs:
        values = np.sort(run["serve_ms"])
        ax.plot(values, np.arange(1, len(values) + 1) / len(values), label=f"seed {run['seed']}")
    ax.axvline(5.0, color="grey", linestyle="--", label="target p99 5 ms")
    ax.set_xscale("log")
    ax.set_xlabel("refresh + search, ms (wall)")
    ax.set_ylabel("share of queries")
    ax.set_title(
        f"rank serving path ({runs[0]['preset']}), {runs[0]['rows']:,} click rows in the store"
    )
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=90)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--json", required=True)
    parser.add_argument("--plot")
    parser.add_argument(
        "--quick", action="store_true", help="CI smoke: 5,000 rows, 200 queries, one seed"
    )
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--authors", type=int, default=1_000)
    parser.add_argument("--queries", type=int, default=2_000)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--cli-runs", type=int, default=3)
    parser.add_argument(
        "--preset",
        choices=sorted(PRESETS),
        default=RankSettings.preset,
        help="the ranking preset of the serving path (default: the node's); the offline CLI "
        "always runs the node's default",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.rows, args.queries, args.seeds, args.cli_runs = 5_000, 200, [0], 1
    if args.rows < 1 or args.authors < 2 or args.queries < 1:
        parser.error("--rows and --queries must be >= 1 and --authors >= 2")
    load = os.getloadavg()
    runs = [
        measure(seed, args.rows, args.authors, args.queries, args.cli_runs, args.preset)
        for seed in args.seeds
    ]
    keys = ("open_tail_s", "serve_p50_ms", "serve_p99_ms", "serve_cpu_p99_ms")
    summary = {
        key: {
            "mean": float(np.mean([r[key] for r in runs])),
            "std": float(np.std([r[key] for r in runs])),
        }
        for key in keys
    }
    summary["offline_cli_s"] = {
        "mean": float(np.mean([t for r in runs for t in r["offline_cli_s"]])),
        "std": float(np.std([t for r in runs for t in r["offline_cli_s"]])),
    }
    result = {
        "command": "python -m bench.rank.serve "
        + " ".join(argv if argv is not None else sys.argv[1:]),
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cpus, py {platform.python_version()}",
        "load_average_at_start": load,
        "summary": summary,
        "runs": runs,
    }
    with open(args.json, "w") as handle:
        json.dump(result, handle, indent=1)
    if args.plot:
        write_plot(runs, args.plot)
    for key, stat in summary.items():
        print(f"{key}: {stat['mean']:.3g} ± {stat['std']:.2g}")


if __name__ == "__main__":
    main()
