"""``rank()`` latency with a 100k-row store, the ``byteswarm search`` budget (p99 <= 5 ms);
``--explain``: what a search with its score breakdown costs on top (issue 19)."""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from bench.rank.world import realistic_world
from models.rank.config import RankConfig
from models.rank.index import RankIndex
from models.rank.rows import ClickRow


def measure_latency(
    config: RankConfig,
    seed: int,
    n_rows: int = 100_000,
    n_authors: int = 1_000,
    n_queries: int = 2_000,
    explain: bool = False,
) -> dict[str, Any]:
    """p50/p99 of ``rank(q, 10)``: on a static store, and with gossip arriving in between
    (10 peer rows before every query and an own click after every tenth), which makes the
    cached similarities stale as they would be in a live node. With ``explain``, also the
    static store's p50/p99 of what ``IndexTail.answer(..., explain=True)`` adds to a search:
    the full served order (for ``served_rank``), ``explain`` and ``trusted``."""
    world = realistic_world(seed, n_items=5_000, n_tags=200)
    rng = np.random.default_rng(seed)
    authors = [f"12D3KooW{n:044d}" for n in range(n_authors)]
    index = RankIndex(authors[0], config, world.items)

    def random_rows(count: int, start: int) -> list[ClickRow]:
        rows = []
        for n in range(count):
            query = world.sample_query(rng)
            matches = world.matches[query] or [world.items[0].id]
            author = authors[int(rng.integers(1, n_authors))]
            # the page down to the click (rank 1-5): what the service writes, and the skips
            # byteswarm_v3 counts
            page = tuple(rng.permutation(matches)[: int(rng.integers(1, 6))].tolist())
            rows.append(ClickRow(author, start + n, query, page, page[-1], float(start + n)))
        return rows

    started = time.perf_counter()
    index.add_rows(random_rows(n_rows, 0))
    ingest_s = time.perf_counter() - started
    queries = [world.sample_query(rng) for _ in range(n_queries)]

    def timed(interleave: bool) -> tuple[list[float], list[float]]:
        seconds, cpu_seconds = [], []
        base = n_rows + (n_queries * 20 if interleave else 0)
        for n, query in enumerate(queries):
            if interleave:
                index.add_rows(random_rows(10, base + 10 * n))
                if n % 10 == 0:
                    index.own_click(query, (), world.items[0].id, float(base + 10 * n))
            begun, cpu_begun = time.perf_counter(), time.thread_time()
            index.rank(query, k=10)
            seconds.append(time.perf_counter() - begun)
            cpu_seconds.append(time.thread_time() - cpu_begun)
        return seconds, cpu_seconds

    def timed_explain() -> list[float]:
        cpu_seconds = []
        for query in queries:
            cpu_begun = time.thread_time()
            ranked = index.rank(query, k=10)
            index.rank(query, k=None)
            index.explain(query, ranked)
            index.trusted(5)
            cpu_seconds.append(time.thread_time() - cpu_begun)
        return cpu_seconds

    timed(False)  # warm the BM25 cache
    (static, static_cpu) = timed(False)
    explained = timed_explain() if explain else []
    (live, live_cpu) = timed(True)
    extra = {}
    if explain:
        extra = {
            "explain_cpu_p50_ms": 1e3 * float(np.percentile(explained, 50)),
            "explain_cpu_p99_ms": 1e3 * float(np.percentile(explained, 99)),
        }
    return extra | {
        "rows": n_rows,
        "authors": n_authors,
        "ingest_us_per_row": 1e6 * ingest_s / n_rows,
        "static_p50_ms": 1e3 * float(np.percentile(static, 50)),
        "static_p99_ms": 1e3 * float(np.percentile(static, 99)),
        "live_p50_ms": 1e3 * float(np.percentile(live, 50)),
        "live_p99_ms": 1e3 * float(np.percentile(live, 99)),
        # CPU time of the calling thread: unaffected by other processes on a shared machine
        "static_cpu_p99_ms": 1e3 * float(np.percentile(static_cpu, 99)),
        "live_cpu_p50_ms": 1e3 * float(np.percentile(live_cpu, 50)),
        "live_cpu_p99_ms": 1e3 * float(np.percentile(live_cpu, 99)),
    }


def main() -> None:
    """``python -m bench.rank.latency --json bench/results/grank_latency.json``"""
    import argparse
    import datetime
    import json
    import os
    import platform

    from models.rank.config import BYTESWARM, BYTESWARM_V2, BYTESWARM_V3, PAPER_F0

    parser = argparse.ArgumentParser(description=measure_latency.__doc__)
    parser.add_argument("--json", required=True)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument(
        "--explain", action="store_true", help="byteswarm_v3 only, with the explained search"
    )
    args = parser.parse_args()
    result: dict[str, Any] = {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cpus, py {platform.python_version()}",
        "load_average_at_start": os.getloadavg(),
    }
    if args.explain:
        result["byteswarm_v3"] = measure_latency(BYTESWARM_V3, 0, args.rows, explain=True)
    else:
        result["byteswarm"] = measure_latency(BYTESWARM, seed=0, n_rows=args.rows)
        result["byteswarm_v2"] = measure_latency(BYTESWARM_V2, seed=0, n_rows=args.rows)
        result["byteswarm_v3"] = measure_latency(BYTESWARM_V3, seed=0, n_rows=args.rows)
        result["grank_paper_f0"] = measure_latency(PAPER_F0, seed=0, n_rows=args.rows)
    with open(args.json, "w") as handle:
        json.dump(result, handle, indent=1)
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
