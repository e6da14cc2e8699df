"""A source that always returns the same snapshot: no store, no clock, so a screenshot of
the app is the same on every run and machine (the snapshot tests)."""

from __future__ import annotations

import functools
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgspec

from node.store.database import Store
from node.store.rows import EventRow, PeerRow
from node.wire.status.codec import decode_adapt, decode_finetune, decode_node
from tests.tui.conftest import (
    PEER_A,
    PEER_B,
    SELF,
    adapt_status,
    fill_history,
    finetune_status,
    status_document,
)
from tui import history as hist
from tui.history import History
from tui.source import Snapshot

NOW_MS = 1_800_000_000_000
"""The frozen "now" (2027-01-15 08:00 UTC)."""
DATA_DIR = Path("/srv/byteswarm/node-a")
"""A fixed data dir, shown in the header."""

PEER_C = "12D3KooWCharliePeerCCCCCCCCCCCCCCCCCCCCCCCCCC3333"


@functools.cache
def history_store() -> Store:
    """The fixture's half hour of history (``conftest.history_sample``) ending at NOW_MS,
    in a store of its own (a temporary dir kept for the session)."""
    where = Path(tempfile.mkdtemp(prefix="tui-history-"))
    store = Store.open(where / "store.sqlite")
    fill_history(store, NOW_MS // 1000)
    return store


def frozen_past(ts_s: int) -> tuple[History | None, list[EventRow]]:
    """The history up to ``ts_s`` and the frozen events logged by then."""
    events = [e for e in frozen_snapshot().events if e.ts_ms <= ts_s * 1000 + 999]
    return hist.load(history_store(), ts_s), events


def frozen_snapshot(data_dir: Path = DATA_DIR) -> Snapshot:
    document = status_document(data_dir) | {"age_s": 0.4, "running": True}
    status = decode_node(msgspec.json.encode(document))
    minute = 60_000
    peers = [
        PeerRow(
            PEER_A, ["/ip4/10.0.0.3/tcp/4001"], NOW_MS - 60 * minute, NOW_MS - 2_000, True, "mdns"
        ),
        PeerRow(
            PEER_C, ["/ip4/10.0.0.5/tcp/4001"], NOW_MS - 15 * minute, NOW_MS - 65_000, False, "dht"
        ),
        PeerRow(
            PEER_B,
            ["/ip4/10.0.0.4/tcp/4001"],
            NOW_MS - 120 * minute,
            NOW_MS - 10 * minute,
            False,
            "boot",
        ),
    ]
    messages = [
        ("info", "node", "node started"),
        ("info", "peer", f"connected to {PEER_A}"),
        ("warning", "guard", "refused 2 records from bravo: bad_signature"),
        ("info", "finetune", "run words-1 checkpoint 20: 1 agree, 1 not"),
        ("error", "adapt", "prompt v3 rejected: accuracy fell 4.1 points"),
        ("info", "adapt", "prompt v4 accepted"),
    ]
    events = [
        EventRow(i + 1, NOW_MS - 60_000 * (len(messages) - i), level, kind, message, {})
        for i, (level, kind, message) in enumerate(messages)
    ][::-1]
    finetune = decode_finetune(msgspec.json.encode(finetune_status()))
    adapt = decode_adapt(msgspec.json.encode(adapt_status()))
    return Snapshot(
        NOW_MS,
        status,
        peers,
        events,
        finetune=finetune,
        adapt=adapt,
        history=hist.load(history_store()),
    )


@dataclass
class FrozenSource:
    """Always the same snapshot of ``data_dir``; counts its reads."""

    data_dir: Path = DATA_DIR
    snapshot: Snapshot = field(default_factory=frozen_snapshot)
    reads: int = 0

    def read(self) -> Snapshot:
        self.reads += 1
        return self.snapshot

    def past(self, ts_s: int) -> tuple[History | None, list[EventRow]]:
        return frozen_past(ts_s)

    def close(self) -> None:
        pass


def search_answer(command: Any) -> dict[str, Any]:
    """What a node answers a search for "blue" (the Search screen's snapshot): results with
    their score breakdown, the trusted peers."""

    def score(own: float, peers: float, bm25: float, served: int, top: list[Any]) -> Any:
        shares = [{"peer": p, "weight": w, "share": s} for p, w, s in top]
        return {
            "clicks": own + peers,
            "own": own,
            "peers": peers,
            "bm25": bm25,
            "matched": True,
            "served_rank": served,
            "top_peers": shares,
        }

    results = [
        {
            "rank": 1,
            "id": "t1",
            "title": "Blue Monday",
            "artist": "New Order",
            "score": score(1.0, 0.75, 1.21, 1, [(PEER_A, 0.75, 0.5), (PEER_C, 0.25, 0.25)]),
        },
        {
            "rank": 2,
            "id": "t2",
            "title": "Blue",
            "artist": "Joni Mitchell",
            "score": score(0.0, 0.5, 2.05, 2, [(PEER_A, 1.0, 0.5)]),
        },
        {
            "rank": 3,
            "id": "t9",
            "title": "Kind of Blue",
            "artist": "Miles Davis",
            "explored": True,
            "score": score(0.0, 0.0, 0.98, 7, []),
        },
    ]
    trusted = [
        {
            "peer": PEER_A,
            "weight": 1.0,
            "similarity": 1.0,
            "shared_terms": 3,
            "shared_items": 4,
            "union_items": 9,
        },
        {
            "peer": PEER_C,
            "weight": 0.25,
            "similarity": 0.25,
            "shared_terms": 1,
            "shared_items": 1,
            "union_items": 12,
        },
    ]
    return {"query": "blue", "results": results, "popular": [], "trusted": trusted}


__all__ = ["PEER_A", "PEER_B", "SELF", "FrozenSource", "frozen_snapshot", "search_answer"]
