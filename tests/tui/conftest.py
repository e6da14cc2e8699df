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
from node.wire.status.history import HistorySample, RunPoint, TopicTraffic
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
        "20": {
            "sha256": "cd" * 32,
            "agree": [PEER_A],
            "disagree": [PEER_B],
            "accuracy": 0.8125,
            "loss": 0.412,
        },
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


HISTORY_S = 1800
"""Half an hour of history in the fixture, one row a second."""


def history_sample(ts_s: int, end_s: int) -> HistorySample:
    """The fixture's second ``ts_s`` of a history ending at ``end_s``: four peers until
    15 min before the end, then one (the status document's); run ``words-1`` from 25 min
    before the end, a round a minute (23 at the end), scored 70 % from round 10 and
    81.25 % from round 20 (loss 0.583, then 0.412); the device adapting all along, prompt
    v0 to v4."""
    age = end_s - ts_s  # seconds before the end
    t = HISTORY_S - age  # seconds since the start
    minute = t // 60
    clicks = TopicTraffic(records_in=minute % 4, bytes_in=300 * (minute % 4))
    notes = TopicTraffic(records_out=1 if t % 20 == 0 else 0, bytes_out=200 if t % 20 == 0 else 0)
    runs = {}
    if age <= 1380:
        rounds = 23 - age // 60
        accuracy = 0.8125 if rounds >= 20 else 0.7 if rounds >= 10 else None
        loss = 0.412 if rounds >= 20 else 0.583 if rounds >= 10 else None
        runs["words-1"] = RunPoint(
            round=rounds, sha256=f"{rounds:016x}", accuracy=accuracy, loss=loss
        )
    return HistorySample(
        ts_s=ts_s,
        peers=4 if age > 900 else 1,
        topics={"rank/clicks": clicks, "byteswarm/notes": notes},
        rejections={"bad_signature": 1} if t % 300 == 0 else {},
        cpu=0.05 + 0.01 * (minute % 5),
        rss_bytes=60_000_000 + 10_000 * minute,
        store_bytes=1_000_000 + 16_666 * minute,
        runs=runs,
        adapt_accuracy=0.5 + 0.01 * minute,
        adapt_uploads=12 * t // HISTORY_S,
        prompt_version=4 * t // HISTORY_S,
        adapt_uncertainty=0.6 - 0.0116 * minute,
        adapt_upload_bytes=42 * t,
    )


def fill_history(store: Store, end_s: int) -> None:
    """``HISTORY_S`` rows ending at ``end_s`` (``history_sample``)."""
    from node.runtime.history import as_row

    rows = [as_row(history_sample(ts, end_s)) for ts in range(end_s - HISTORY_S + 1, end_s + 1)]
    store.write_history(rows, 0, 0)


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
def history_end(data_dir: Path) -> int:
    """``data_dir`` with ``HISTORY_S`` of history ending now (the events are logged after
    it ends); the newest second."""
    end_s = int(time.time()) - 1
    with Store.open(data_dir / STORE_FILE) as store:
        fill_history(store, end_s)
    return end_s


@pytest.fixture
def reader(data_dir: Path) -> Iterator[StoreReader]:
    reader = StoreReader(data_dir, data_dir / STORE_FILE)
    yield reader
    reader.close()


class FakeDaemon:
    """Holds the data dir's lock (so the node counts as running) and answers every control
    row with ``answer(row)``, remembering the rows it saw. With ``status`` (a ``node``
    status document) it rewrites it every half second as a daemon does, so the node stays
    running past the reader's 5 s staleness however slow the test runs."""

    def __init__(
        self,
        data_dir: Path,
        answer: Callable[[ControlRow], dict[str, Any]],
        status: dict[str, Any] | None = None,
    ) -> None:
        self.lock = DataDirLock(data_dir)
        self.path = data_dir / STORE_FILE
        self.answer = answer
        self.status = status
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
        written = 0.0
        with Store.open(self.path) as store:
            while not self._stop.is_set():
                if self.status is not None and time.monotonic() - written > 0.5:
                    store.write_status("node", msgspec.json.encode(self.status))
                    written = time.monotonic()
                for row in store.claim_control():
                    self.rows.append(row)
                    store.finish_control(row.id, True, self.answer(row))
                time.sleep(0.02)
