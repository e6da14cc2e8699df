"""What a G-Rank pull costs on the wire, in the daemon's own encoding (``node.wire``).

Each simulated click row becomes the SignedRecord the rank service stores: topic
``rank/clicks``, the peer's 32-byte Ed25519 key (one deterministic key per simulated peer),
the row's seq, a millisecond timestamp, the Click body the service writes and a 64-byte
signature field. The signature is a zero placeholder: every Ed25519 signature is 64 bytes, so
the encoded size is the same as a real one (signing 20k rows a run would only cost time).

A pull is measured as the daemon runs it (``Catchup.pull`` / ``Store.records_since``):
from the asker's cursor, pages of at most 256 rows the asker lacks, read from at most
``scan`` rows of the responder's log (``SYNC_SCAN_ROWS``; until this session a page ended
after 256 rows *read*, held ones included: ``WireAccount(scan=256)``), each page one
SyncRequest (real ``HeldRange`` per author held). The bytes of a pull are the sum over its
pages, for the responses in each encoding we compare:

- ``v1_full``: ``SyncResponse`` of ``/byteswarm/sync/1.0.0`` with the Click body the service
  wrote until session 3 (the whole page in ``shown``);
- ``v1_compact``: the same response with today's Click body (``position`` and the ids above
  the click in ``shown``, ``node.rank.records.compact_click``);
- ``packed_full``: ``PackedSyncResponse`` (``/byteswarm/sync/2.0.0``) with the page body;
- ``packed_position``: ``PackedSyncResponse`` with the body of sessions 3-10 (``position``,
  ``shown=[]``): what the daemon shipped before the ids above the click (``byteswarm_v3``'s
  skips) rode along;
- ``packed_compact``: ``PackedSyncResponse`` with today's body: what the daemon ships now.

Every number is ``len(node.wire.encode(...))`` of the real message, not an estimate.
"""

from __future__ import annotations

import hashlib

import msgspec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from models.rank.rows import ClickRow
from node import wire
from node.rank.records import compact_click
from node.runtime.catchup_server import SYNC_SCAN_ROWS

SIM_EPOCH_MS = 1_764_000_000_000
"""Step 0 of a simulation, in Unix milliseconds (late 2025): real timestamps need 8 bytes."""
STEP_MS = 1_000
"""One simulated query per second across the network."""
DAEMON_PAGE_ROWS = 256
"""Rows a daemon sync response carries at most (``SyncRequest.limit``)."""
ENCODINGS = ("v1_full", "v1_compact", "packed_full", "packed_position", "packed_compact")
_SIG = bytes(64)


def sim_author_key(name: str) -> bytes:
    """A deterministic Ed25519 public key for the simulated peer ``name``."""
    seed = hashlib.sha256(b"byteswarm/grank-sim/" + name.encode()).digest()
    return Ed25519PrivateKey.from_private_bytes(seed).public_key().public_bytes_raw()


def old_click_body(row: ClickRow) -> bytes:
    """The body the service wrote before ``position``: the 4-field Click with the page."""
    return msgspec.msgpack.encode((wire.WIRE_VERSION, row.query, list(row.shown), row.clicked))


def position_click_body(click: wire.Click) -> bytes:
    """The body the service wrote in sessions 3-10: ``position`` only, ``shown=[]``."""
    return wire.encode(msgspec.structs.replace(click, shown=[]))


class WireAccount:
    """The SignedRecords of every simulated row, and the bytes of a pull carrying them."""

    def __init__(self, scan: int = SYNC_SCAN_ROWS) -> None:
        self.scan = scan
        """Rows of the responder's log one page may read (held rows included)."""
        self._keys: dict[str, bytes] = {}
        self._records: dict[tuple[str, int], tuple[wire.SignedRecord, ...]] = {}
        """(page body, today's body, position-only body) of each (author, seq)."""

    def key(self, author: str) -> bytes:
        key = self._keys.get(author)
        if key is None:
            key = self._keys[author] = sim_author_key(author)
        return key

    def add(self, row: ClickRow) -> None:
        """Make the row's record in each body format (once per row, as the author does)."""
        if row.clicked:
            click = compact_click(row.query, row.shown, row.clicked)
            bodies = (old_click_body(row), wire.encode(click), position_click_body(click))
        else:  # a page passed over: one layout (the whole page, no click) in every format
            passed = wire.encode(wire.Click(wire.WIRE_VERSION, row.query, list(row.shown), ""))
            bodies = (passed, passed, passed)
        ts_ms = SIM_EPOCH_MS + int(row.ts * STEP_MS)
        key, topic, version = self.key(row.author), wire.CLICKS_TOPIC, wire.WIRE_VERSION
        self._records[(row.author, row.seq)] = tuple(
            wire.SignedRecord(version, topic, key, row.seq, ts_ms, body, _SIG) for body in bodies
        )

    def record(self, row: ClickRow, compact: bool = True) -> wire.SignedRecord:
        """The record of ``row`` with today's Click body (``compact``) or the old one."""
        return self._records[(row.author, row.seq)][1 if compact else 0]

    def request_bytes(self, vector: dict[str, int], cursor: int) -> int:
        """The SyncRequest of an asker holding seqs 0..vector[author] of each author."""
        held = sorted(vector.items(), key=lambda item: -item[1])[: wire.MAX_SYNC_HELD_RANGES]
        ranges = [wire.HeldRange(wire.WIRE_VERSION, self.key(a), 0, seq) for a, seq in held]
        request = wire.SyncRequest(
            wire.WIRE_VERSION, wire.CLICKS_TOPIC, cursor, DAEMON_PAGE_ROWS, ranges
        )
        return len(wire.encode(request))

    def response_bytes(self, rows: list[ClickRow], next_cursor: int, more: bool) -> dict[str, int]:
        """Bytes of the one response carrying ``rows``, in each of ``ENCODINGS``."""
        versions = [self._records[(row.author, row.seq)] for row in rows]
        out: dict[str, int] = {}
        for name, which in (("full", 0), ("compact", 1), ("position", 2)):
            response = wire.SyncResponse(
                wire.WIRE_VERSION, [record[which] for record in versions], next_cursor, more
            )
            if f"v1_{name}" in ENCODINGS:
                out[f"v1_{name}"] = len(wire.encode(response))
            packed = wire.pack_sync_response(response, wire.CLICKS_TOPIC)
            out[f"packed_{name}"] = len(wire.encode(packed))
        return out

    def pull(self, log: list[ClickRow], start: int, vector: dict[str, int]) -> dict[str, int]:
        """One pull of the responder's ``log`` from cursor ``start`` by an asker holding
        ``vector``: response bytes per encoding summed over the pages, ``pages``, and
        ``request`` = pages × the first page's request (later ones differ by a few bytes)."""
        out = dict.fromkeys(ENCODINGS, 0)
        cursor, pages, more = start, 0, True
        while more:  # Store.records_since: up to `limit` rows lacking, `scan` rows read
            lacking: list[ClickRow] = []
            scanned = 0
            while cursor < len(log) and len(lacking) < DAEMON_PAGE_ROWS and scanned < self.scan:
                row = log[cursor]
                cursor += 1
                scanned += 1
                if row.seq > vector.get(row.author, -1):
                    lacking.append(row)
            more = cursor < len(log)
            for name, size in self.response_bytes(lacking, cursor, more).items():
                out[name] += size
            pages += 1
        out["pages"] = pages
        out["request"] = pages * self.request_bytes(vector, start)
        return out
