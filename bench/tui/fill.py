"""A big node store for the TUI benches, filled through the node's own Store API: records
(random signed-blob-sized payloads on the service topics), peers, events, a status
document like the daemon's and hours of per-second history (a busy node's samples: four
topics, a training run, adapt). Seeded: the same seed gives the same store."""

from __future__ import annotations

import random
from pathlib import Path

from node.config.settings import STORE_FILE
from node.store.database import Store
from node.store.rows import RecordRow
from node.wire.status.codec import encode_section
from node.wire.status.history import HistorySample, RunPoint, TopicTraffic
from node.wire.status.node import NodeStatus

TOPICS = ("byteswarm/notes", "byteswarm/clicks", "byteswarm/finetune", "byteswarm/adapt")
BATCH = 5_000
HISTORY_END_S = 1_800_000_000
"""The newest second of the bench's history."""


def peer_id(rng: random.Random) -> str:
    alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
    return "12D3KooW" + "".join(rng.choice(alphabet) for _ in range(44))


def history_sample(rng: random.Random, ts_s: int, age_s: int) -> HistorySample:
    """A busy second ``age_s`` before the end: traffic on every topic, a run a round every
    30 s, a device adapting."""
    topics = {
        t: TopicTraffic(
            records_in=rng.randint(0, 20),
            records_out=rng.randint(0, 3),
            bytes_in=rng.randint(0, 6000),
            bytes_out=rng.randint(0, 900),
        )
        for t in TOPICS
    }
    run = RunPoint(round=(172_800 - age_s) // 30, sha256=f"{ts_s:016x}", accuracy=0.8, loss=0.4)
    return HistorySample(
        ts_s=ts_s,
        peers=rng.randint(10, 50),
        topics=topics,
        rejections={"bad_signature": 1} if rng.random() < 0.01 else {},
        cpu=rng.random() * 0.3,
        rss_bytes=80_000_000,
        store_bytes=60_000_000,
        runs={"bench-1": run},
        adapt_accuracy=rng.random(),
        adapt_uploads=ts_s % 10_000,
        prompt_version=age_s // 3600,
        adapt_uncertainty=rng.random(),
        adapt_upload_bytes=ts_s % 10_000 * 300,
    )


def fill_history(store: Store, hours: float, rng: random.Random) -> None:
    """``hours`` of one row a second, ending at ``HISTORY_END_S``."""
    from node.runtime.history import as_row  # the daemon's own row layout

    seconds = int(hours * 3600)
    for start in range(0, seconds, BATCH):
        ages = range(seconds - 1 - start, max(-1, seconds - 1 - start - BATCH), -1)
        rows = [as_row(history_sample(rng, HISTORY_END_S - a, a)) for a in ages]
        store.write_history(rows, 0, 0)


def fill(
    data_dir: Path, records: int, peers: int, events: int, seed: int, history_hours: float = 0
) -> Path:
    """Write the store into ``data_dir`` (created); returns the store's path."""
    rng = random.Random(seed)
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / STORE_FILE
    ids = [peer_id(rng) for _ in range(peers)]
    authors = [rng.randbytes(36) for _ in range(peers)]
    with Store.open(path) as store:
        for start in range(0, records, BATCH):
            rows = [
                RecordRow(
                    TOPICS[i % len(TOPICS)],
                    authors[i % peers],
                    i,
                    1_800_000_000_000 + i,
                    rng.randbytes(rng.randint(120, 400)),
                )
                for i in range(start, min(records, start + BATCH))
            ]
            store.insert_records(rows, "bench")
        for i, pid in enumerate(ids):
            addrs = [f"/ip4/10.0.{i // 250}.{i % 250}/tcp/4001"]
            store.upsert_peer(pid, addrs, i % 3 != 0, "mdns")
        for i in range(events):
            level = "warning" if i % 17 == 0 else "info"
            store.add_event("bench", f"event {i} from {ids[i % peers]}", level=level)
        counts = {t: records // len(TOPICS) for t in TOPICS}
        status = NodeStatus(
            running=False,
            peer_id=ids[0],
            role="device",
            records=counts,
            connected_peers=ids[1:peers:3],
            services=["rank", "finetune"],
            listen_addrs=["/ip4/127.0.0.1/tcp/4001"],
            uptime_s=3600.0,
        )
        store.write_status(NodeStatus.SECTION, encode_section(status))
        fill_history(store, history_hours, rng)
    return path
