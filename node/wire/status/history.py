"""One second of a node's history: the struct the ``history`` table's ``sample`` column
holds (MessagePack), beside the scalar columns the TUI's sparklines downsample in SQL; and
the writer's own counters (``HistoryStatus``, part of the ``node`` section)."""

from __future__ import annotations

import msgspec

from node.wire.base import Finite


class TopicTraffic(msgspec.Struct, kw_only=True, array_like=True, omit_defaults=True):
    """Records and record bytes (signed records as stored) in and out on one topic in the
    second; in counts what was new to the store (gossip, sync, samples), out what this node
    published."""

    records_in: int = 0
    records_out: int = 0
    bytes_in: int = 0
    bytes_out: int = 0


class RunPoint(msgspec.Struct, kw_only=True, array_like=True):
    """A finetune run at the end of the second."""

    round: int = 0
    sha256: str = ""
    """The first 16 hex digits of θ's hash."""
    accuracy: Finite | None = None
    """At the newest scored checkpoint, where known."""
    loss: Finite | None = None
    """The held-out loss at that checkpoint (rows written before it was kept: None)."""


class HistorySample(msgspec.Struct, kw_only=True, array_like=True):
    """What the node did in the second ending at ``ts_s`` (a row's ``sample``). An array on
    disk (no field names: ~30 % of a busy sample); new fields go at the end with a default,
    so older rows still decode."""

    ts_s: int
    peers: int = 0
    topics: dict[str, TopicTraffic] = {}
    rejections: dict[str, int] = {}
    """Peer input refused in the second, by cause."""
    cpu: Finite = 0.0
    """Share of one core the process used in the second."""
    rss_bytes: int = 0
    store_bytes: int = 0
    searches: int = 0
    clicks: int = 0
    runs: dict[str, RunPoint] = {}
    adapt_accuracy: Finite | None = None
    adapt_uploads: int = 0
    prompt_version: int = -1
    adapt_uncertainty: Finite | None = None
    """The device's mean uncertainty of its recent uploads, where known."""
    adapt_upload_bytes: int = 0
    """Upload bytes so far: sent (device, estimated from bytes a sample) or received
    (cloud)."""


class HistoryStatus(msgspec.Struct, kw_only=True):
    """The history writer in the ``node`` section (``node/runtime/history.py``)."""

    enabled: bool = False
    written: int = 0
    """Samples (seconds) written to the ``history`` table since the node started."""
    deleted: int = 0
    """Rows past ``[history] retention_hours`` deleted."""
    buffered: int = 0
    """Samples waiting for the next write (more than ``write_every`` while the store is full)."""
    dropped: int = 0
    """Samples lost, oldest first, because the store refused writes for over 10 minutes."""
    failed_writes: int = 0
    """Writes the store refused (full disk); their samples stayed buffered."""


_ENCODER = msgspec.msgpack.Encoder()
_DECODER = msgspec.msgpack.Decoder(HistorySample)


def encode_sample(sample: HistorySample) -> bytes:
    return _ENCODER.encode(sample)


def decode_sample(data: bytes) -> HistorySample:
    """Raises msgspec.ValidationError / DecodeError on a sample that breaks the type."""
    return _DECODER.decode(data)
