"""A node store in a tmp dir, filled through the node's own Store API (no daemon), and a
stand-in daemon that answers control rows."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import msgspec
import pytest

from node.config.settings import STORE_FILE
from node.runtime.lock import DataDirLock
from node.store.database import Store
from node.store.rows import ControlRow
from tui.source import StoreReader

PEER_A = "12D3KooWAlphaPeerAAAAAAAAAAAAAAAAAAAAAAAAAAAA1111"
PEER_B = "12D3KooWBravoPeerBBBBBBBBBBBBBBBBBBBBBBBBBBBB2222"
SELF = "12D3KooWSelfNodeSSSSSSSSSSSSSSSSSSSSSSSSSSSS0000"


def status_document(data_dir: Path) -> dict[str, Any]:
    """What ``Daemon._status`` writes, trimmed to what the screens read."""
    return {
        "running": True,
        "pid": 4242,
        "peer_id": SELF,
        "role": "device",
        "data_dir": str(data_dir),
        "listen_addrs": ["/ip4/127.0.0.1/tcp/4001", "/ip4/10.0.0.2/tcp/4001"],
        "connected_peers": [PEER_A],
        "uptime_s": 3725.0,
        "services": ["rank", "finetune"],
        "records": {"byteswarm/notes": 7, "byteswarm/clicks": 3},
        "store_bytes": 1_500_000,
        "peers": {
            "rejections": {"bad_signature": 2},
            "peers": {PEER_B: {"score": -4.0, "banned": False, "rejections": {"bad_signature": 2}}},
        },
        "peer_traffic": {  # node/runtime/peer_stats.py
            PEER_A: {
                "direction": "outbound",
                "records_in": 42,
                "records_out": 17,
                "sent": {"byteswarm/notes": 40, "rank/clicks": 2},
                "behind_topics": 1,
                "behind_s": 14.0,
                "their_lag": 3,
            },
            PEER_B: {"records_in": 5, "sent": {"byteswarm/notes": 5}},
        },
    }


def finetune_status() -> dict[str, Any]:
    """What ``FinetuneService.status`` writes: one run training, one not joined."""
    checkpoints = {
        "10": {"sha256": "ab" * 32, "agree": [PEER_A], "disagree": []},
        "20": {"sha256": "cd" * 32, "agree": [PEER_A], "disagree": [PEER_B], "accuracy": 0.8125},
    }
    run = {"run_id": "words-1", "model": "tiny", "mode": "shared", "round": 23, "rounds": 100}
    run |= {"participating": True, "records": 57, "refused": 1, "final_round": 20}
    return {
        "backend": "onnxruntime",
        "runs": {"words-1": run | {"checkpoints": checkpoints}},
        "failed": {"big-2": "model 'big' is not on this device"},
    }


def adapt_status() -> dict[str, Any]:
    """What ``DeviceAdapt.status`` writes, mid-run."""
    budget = {"running": True, "note": "", "samples": 640, "samples_limit": 1000}
    budget |= {"minutes_limit": None, "minutes_left": None}
    return {
        "role": "device",
        "cloud": PEER_A,
        "note": "",
        "family": "digits",
        "samples": 640,
        "batches": 20,
        "accuracy": 0.75,
        "accuracy_recent": 0.8,
        "uncertainty_recent": 0.25,
        "uploads": 12,
        "uplink_bytes_per_sample": 3.5,
        "prompt_version": 4,
        "prompts_accepted": 4,
        "prompts_rejected": 1,
        "last_verdict": "accepted v4",
        "budget": budget,
    }


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A data dir whose store has a status document, two peers and a few events."""
    with Store.open(tmp_path / STORE_FILE) as store:
        store.upsert_peer(PEER_A, ["/ip4/10.0.0.3/tcp/4001"], True, "mdns")
        store.upsert_peer(PEER_B, ["/ip4/10.0.0.4/tcp/4001"], False, "bootstrap")
        store.add_event("node", "node started")
        store.add_event("peer", f"connected to {PEER_A}", level="info")
        store.add_event("guard", "refused 2 records from bravo", level="warning")
        # as JSON a daemon could have written: the reader decodes them with their structs
        store.write_status("node", msgspec.json.encode(status_document(tmp_path)))
        store.write_status("finetune", msgspec.json.encode(finetune_status()))
        store.write_status("adapt", msgspec.json.encode(adapt_status()))
    return tmp_path


@pytest.fixture
def reader(data_dir: Path) -> Iterator[StoreReader]:
    reader = StoreReader(data_dir, data_dir / STORE_FILE)
    yield reader
    reader.close()


class FakeDaemon:
    """Holds the data dir's lock (so the node counts as running) and answers every control
    row with ``answer(row)``, remembering the rows it saw."""

    def __init__(self, data_dir: Path, answer: Callable[[ControlRow], dict[str, Any]]) -> None:
        self.lock = DataDirLock(data_dir)
        self.path = data_dir / STORE_FILE
        self.answer = answer
        self.rows: list[ControlRow] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self) -> FakeDaemon:
        self.lock.acquire()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)
        self.lock.release()

    def _serve(self) -> None:
        with Store.open(self.path) as store:
            while not self._stop.is_set():
                for row in store.claim_control():
                    self.rows.append(row)
                    store.finish_control(row.id, True, self.answer(row))
                time.sleep(0.02)
