"""A big node store for the TUI benches, filled through the node's own Store API: records
(random signed-blob-sized payloads on the service topics), peers, events and a status
document like the daemon's. Seeded: the same seed gives the same store."""

from __future__ import annotations

import random
from pathlib import Path

from node.config.settings import STORE_FILE
from node.store.database import Store
from node.store.rows import RecordRow
from node.wire.status.codec import encode_section
from node.wire.status.node import NodeStatus

TOPICS = ("byteswarm/notes", "byteswarm/clicks", "byteswarm/finetune", "byteswarm/adapt")
BATCH = 5_000


def peer_id(rng: random.Random) -> str:
    alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
    return "12D3KooW" + "".join(rng.choice(alphabet) for _ in range(44))


def fill(data_dir: Path, records: int, peers: int, events: int, seed: int) -> Path:
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
    return path
