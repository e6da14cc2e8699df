"""The daemon's sync loop leaves the topics a service pulls itself out of its periodic rounds."""

from __future__ import annotations

from pathlib import Path

import trio

from node import wire
from node.config import load_config
from node.daemon import HEADS_PROTOCOL, Daemon


def test_periodic_heads_skip_topics_a_service_pulls_itself(tmp_path: Path) -> None:
    config = load_config(None, data_dir=str(tmp_path), topics=["a/b", "a/c"])
    daemon = Daemon(config)
    asked: list[list[str]] = []

    async def request(peer: str, protocol: str, data: bytes, max_bytes: int) -> bytes:
        assert protocol == HEADS_PROTOCOL
        topics = wire.decode_sync_heads_request(data).topics
        asked.append(list(topics))
        return wire.encode(wire.SyncHeadsResponse(wire.WIRE_VERSION, [1] * len(topics)))

    daemon.p2p.request = request  # type: ignore[method-assign]

    async def main() -> None:
        assert set(await daemon._topics_behind("peer")) == {wire.NOTES_TOPIC, "a/b", "a/c"}
        daemon.service_pulled.add("a/c")
        assert set(await daemon._topics_behind("peer")) == {wire.NOTES_TOPIC, "a/b"}

    try:
        trio.run(main)
    finally:
        daemon.store.close()
    assert "a/c" in asked[0] and "a/c" not in asked[1]
