"""Bytes on our streams: length-prefixed frames, and records packed into gossip batches.

Works on any object with async ``read(n)``/``write(data)`` (a libp2p stream), so it needs
no libp2p import of its own.
"""

from __future__ import annotations

import struct
from typing import Any

from node import wire

_FRAME = struct.Struct(">I")


class FrameError(RuntimeError):
    """The peer closed the stream in the middle of a frame."""


def pack_batches(
    records: list[wire.SignedRecord], max_records: int, max_bytes: int
) -> list[tuple[str, bytes]]:
    """Group records by topic into encoded batches under both limits."""
    by_topic: dict[str, list[wire.SignedRecord]] = {}
    for record in records:
        by_topic.setdefault(record.topic, []).append(record)
    out: list[tuple[str, bytes]] = []
    for topic, items in by_topic.items():
        chunk: list[wire.SignedRecord] = []
        size = 16
        for record in items:
            rec_size = len(record.body) + len(record.topic) + 128
            if chunk and (len(chunk) >= max_records or size + rec_size > max_bytes):
                out.append((topic, wire.encode(wire.RecordBatch(wire.WIRE_VERSION, chunk))))
                chunk, size = [], 16
            chunk.append(record)
            size += rec_size
        if chunk:
            out.append((topic, wire.encode(wire.RecordBatch(wire.WIRE_VERSION, chunk))))
    return out


async def write_frame(stream: Any, data: bytes) -> None:
    await stream.write(_FRAME.pack(len(data)) + data)


async def read_exactly(stream: Any, n: int) -> bytes:
    buf = bytearray()
    while len(buf) < n:
        chunk = await stream.read(n - len(buf))
        if not chunk:
            raise FrameError("stream closed mid-frame")
        buf += chunk
    return bytes(buf)


async def read_frame(stream: Any, max_bytes: int) -> bytes:
    (length,) = _FRAME.unpack(await read_exactly(stream, _FRAME.size))
    if length > max_bytes:
        raise wire.WireError(f"frame of {length} bytes exceeds the limit of {max_bytes}")
    return await read_exactly(stream, length)
