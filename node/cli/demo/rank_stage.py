"""Rank: simulated users search and click on every device; served nDCG@10 against the
generated ground truth, measured on every node after each round of users."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from node.cli.demo.context import Demo
from node.cli.demo.control import control_many
from node.cli.demo.world import World, make_world, served_ndcg, user_clicks


def import_catalogue(d: Path, catalogue: Path) -> int:
    from node.config.settings import STORE_FILE
    from node.rank.records import catalogue_from_file, import_items
    from node.store.database import Store

    with Store.open(d / STORE_FILE) as store:
        return import_items(store, catalogue_from_file(catalogue))


def served(d: Path, world: World) -> dict[str, list[str]]:
    """What ``d`` serves now for every query (no exploration), by item id."""
    answers = control_many(d, [("search", {"query": q, "k": 10}) for q in world.queries])
    return {q: [r["id"] for r in a["results"]] for q, a in zip(world.queries, answers, strict=True)}


def users_on(d: Path, world: World, rng: np.random.Generator, users: int) -> int:
    """``users`` users search on ``d`` (the page they see explores) and click; clicks made."""
    queries = world.sample_queries(rng, users)
    pages = control_many(d, [("search", {"query": q, "k": 10, "explore": True}) for q in queries])
    clicks: list[tuple[str, dict[str, Any]]] = []
    for q, page in zip(queries, pages, strict=True):
        shown = [r["id"] for r in page["results"]]
        for item in user_clicks(world, q, shown, rng):
            clicks.append(("click", {"query": q, "item": item, "shown": shown}))
    control_many(d, clicks)
    return len(clicks)


def run(demo: Demo) -> dict[str, Any]:
    started = time.monotonic()
    world = make_world(demo.seed)
    path = demo.out / "catalogue.jsonl"
    path.write_text(world.catalogue_jsonl(), encoding="utf-8")
    devices = list(demo.devices)
    for d in devices:
        import_catalogue(d, path)
    demo.progress.line(
        f"catalogue: {len(world.items)} items over {len(world.queries)} genres, imported on "
        f"{len(devices)} devices; hidden grades 0-2 per (genre, item)"
    )
    rngs = [np.random.default_rng([demo.seed, n]) for n in range(len(devices))]
    curve: list[dict[str, Any]] = []
    queries = clicks = 0
    t0 = time.monotonic()

    def measure() -> None:
        with ThreadPoolExecutor(len(devices)) as pool:
            ndcg = list(pool.map(lambda d: served_ndcg(world, served(d, world)), devices))
        curve.append(
            {
                "queries": queries,
                "clicks": clicks,
                "seconds": round(time.monotonic() - t0, 2),
                "ndcg": {d.name: round(v, 4) for d, v in zip(devices, ndcg, strict=True)},
                "ndcg_mean": round(float(np.mean(ndcg)), 4),
            }
        )
        demo.progress.line(
            f"{queries} queries, {clicks} clicks: served nDCG@10 {curve[-1]['ndcg_mean']:.3f}"
        )

    measure()
    for _ in range(demo.sizes.rank_rounds):
        with ThreadPoolExecutor(len(devices)) as pool:
            made = list(
                pool.map(
                    lambda i: users_on(devices[i], world, rngs[i], demo.sizes.rank_users),
                    range(len(devices)),
                )
            )
        queries += demo.sizes.rank_users * len(devices)
        clicks += sum(made)
        measure()
    from node import wire

    def spread() -> bool:
        return all(
            int((demo.swarm.status(d) or {}).get("records", {}).get(wire.CLICKS_TOPIC, 0)) >= clicks
            for d in devices
        )

    t_spread = time.monotonic()
    demo.progress.wait(spread, 60, f"all {clicks} click rows on every device", check=demo.check)
    spread_s = round(time.monotonic() - t_spread, 2)
    measure()
    first, last = curve[0]["ndcg_mean"], curve[-1]["ndcg_mean"]
    demo.progress.line(
        f"{queries} searches, {clicks} clicks by simulated users: served nDCG@10 "
        f"{first:.3f} -> {last:.3f} (mean of {len(devices)} devices; "
        f"every click row on every device {spread_s} s after the last round)"
    )
    return {
        "status": "ok",
        "items": len(world.items),
        "queries_catalogue": world.queries,
        "searches": queries,
        "clicks": clicks,
        "ndcg_start": first,
        "ndcg_end": last,
        "spread_s": spread_s,
        "curve": curve,
        "seconds": round(time.monotonic() - started, 2),
    }
