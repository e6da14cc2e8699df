"""Request/response between peers: one bounded request, one bounded response.

Every handler is reachable two ways:
- on its own protocol id, one new stream per exchange (what every byteswarm node serves);
- over a *channel*: one stream per peer on ``/byteswarm/rpc/1.0.0``, opened once and kept,
  carrying exchange after exchange. Requests go over the channel; a new stream is used
  only when the channel cannot be opened or is busy with a long exchange.

Why channels: a new libp2p stream costs a yamux open and close, a multistream-select
negotiation of two protocol ids and a Noise frame for each of those writes. Measured at
the sockets, one heads check (a ~100-byte question, a ~30-byte answer) cost ~900 bytes on
its own stream; that fixed price is what the sync loop, rank pulls and the finetune pull
transport paid for every exchange.

A channel frame is a length-prefixed request ``[len(protocol)] protocol data`` answered by
``[status] data``: 0 ok, 1 refused (the data is the reason), 2 rate limited. A handler's
error is answered, not fatal to the channel; a framing error, a timeout or an oversize
answer closes the channel (its bytes can no longer be trusted), and the next request opens
another; a kept channel found broken (the peer reconnected) is replaced at once and the
request sent again, once.

A channel rides one connection: the peer's newest (``streams.py``). When the peer connects
again (a restart with the same key; the old connection may linger, silent, until liveness
closes it), the next request leaves the channel on the older connection and opens one on
the new connection: py-libp2p would open it on the stale one (issue 21).
"""

from __future__ import annotations

import contextlib
import logging
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import trio

from node import wire
from node.net.framing import read_frame, write_frame
from node.net.peer_guard import PeerGuard
from node.net.ratelimit import TokenBuckets
from node.net.rpc_serve import (
    MAX_REASON,
    OK,
    RATE_LIMITED,
    RPC_PROTOCOL,
    Answering,
    RequestHandler,
)
from node.net.streams import newest_connection, not_supported, open_stream, reset_quietly


class RequestError(RuntimeError):
    """A request failed: unreachable peer, refused, timed out, or a bad answer."""


class ChannelLost(RequestError):
    """The channel's stream broke (closed, reset, a dropped connection), not a slow peer."""


class ProtocolRefused(RequestError):
    """The peer does not speak the protocol: multistream-select answered "na" (a libp2p
    host that is not a byteswarm node, or one too old for this protocol)."""


@dataclass
class _Channel:
    stream: Any
    conn: Any
    """The muxed connection the stream rides."""
    lock: trio.Lock = field(default_factory=trio.Lock)


class Requests:
    """The request/response side of one libp2p host."""

    def __init__(
        self,
        host: Any,
        buckets: TokenBuckets,
        counters: Counter[str],
        timeout: float,
        log: logging.Logger,
        guard: PeerGuard,
        read_timeout: float = 4.0,
    ) -> None:
        self.host = host
        self.counters = counters
        self.timeout = timeout
        self.log = log
        self._channels: dict[str, _Channel] = {}
        self._opening: dict[str, trio.Lock] = {}
        # a request frame, once its stream (or its length) has arrived, is read by then
        reading = min(timeout, read_timeout)
        self.answering = Answering(host, buckets, counters, timeout, log, guard, reading)

    def handle(self, protocol: str, serve: RequestHandler, max_request_bytes: int) -> None:
        """Serve ``protocol`` on its own streams and over channels (``rpc_serve.py``)."""
        self.answering.handle(protocol, serve, max_request_bytes)

    # -- asking ------------------------------------------------------------------------

    async def request(
        self, peer_id: str, protocol: str, data: bytes, max_response_bytes: int
    ) -> bytes:
        """Send one request to ``peer_id`` and return its (size-checked) response bytes."""
        for _ in range(2):  # a kept channel found dead (the peer reconnected): one more
            channel, fresh = await self._channel(peer_id)
            if channel is None:
                break
            with trio.move_on_after(self.timeout / 2) as waited:
                await channel.lock.acquire()
            if waited.cancelled_caught:
                break
            try:
                return await self._over_channel(
                    peer_id, channel, protocol, data, max_response_bytes
                )
            except ChannelLost:
                if fresh:
                    raise
                self.counters["rpc_channels_lost"] += 1
            finally:
                channel.lock.release()
        # no channel, or it is busy with a long exchange: a stream of our own
        return await self._on_new_stream(peer_id, protocol, data, max_response_bytes)

    async def _channel(self, peer_id: str) -> tuple[_Channel | None, bool]:
        """The peer's channel on its newest connection (opened now if need be, then
        ``fresh``), or None."""
        channel = self._channels.get(peer_id)
        if channel is not None and channel.conn is _newest_muxed(self.host, peer_id):
            return channel, False
        async with self._opening.setdefault(peer_id, trio.Lock()):
            newest = _newest_muxed(self.host, peer_id)
            channel = self._channels.get(peer_id)
            if channel is not None:
                if channel.conn is newest:
                    return channel, False
                # The peer connected again: the channel's connection is older, maybe dead.
                self.counters["rpc_channels_moved"] += 1
                await self._close_channel(peer_id, channel)
            try:
                with trio.fail_after(self.timeout):
                    stream = await open_stream(self.host, peer_id, [RPC_PROTOCOL])
            except Exception as exc:  # an older node, or an unreachable one
                self.log.info("no request channel to %s: %r", peer_id, exc)
                return None, False
            channel = self._channels[peer_id] = _Channel(stream, stream.muxed_conn)
            self.counters["rpc_channels_opened"] += 1
            return channel, True

    async def _over_channel(
        self, peer_id: str, channel: _Channel, protocol: str, data: bytes, max_bytes: int
    ) -> bytes:
        name = protocol.encode()
        try:
            with trio.fail_after(self.timeout):
                await write_frame(channel.stream, bytes([len(name)]) + name + data)
                # a refusal's reason may be longer than a tiny answer is allowed to be
                answer = await read_frame(channel.stream, max(max_bytes, MAX_REASON) + 1)
        except BaseException as exc:  # the channel's bytes can no longer be trusted
            await self._close_channel(peer_id, channel)
            if isinstance(exc, wire.WireError):
                raise
            if not isinstance(exc, Exception):
                raise
            failed = f"{protocol} request to {peer_id} failed: {exc!r}"
            if isinstance(exc, trio.TooSlowError):
                raise RequestError(failed) from exc
            raise ChannelLost(failed) from exc
        if not answer:
            await self._close_channel(peer_id, channel)
            raise RequestError(f"{protocol} request to {peer_id}: empty answer")
        status, body = answer[0], answer[1:]
        if status == RATE_LIMITED:
            raise RequestError(f"{protocol} request to {peer_id}: rate limited")
        if status != OK:
            reason = body[:MAX_REASON].decode("utf-8", "replace")
            raise RequestError(f"{protocol} request to {peer_id} refused: {reason}")
        if len(body) > max_bytes:
            raise wire.WireError(f"frame of {len(body)} bytes exceeds the limit of {max_bytes}")
        return body

    async def _close_channel(self, peer_id: str, channel: _Channel) -> None:
        if self._channels.get(peer_id) is channel:
            del self._channels[peer_id]
        # Also when cancelled mid-exchange: the peer must not answer into a reused stream.
        await reset_quietly(channel.stream)

    async def _on_new_stream(
        self, peer_id: str, protocol: str, data: bytes, max_response_bytes: int
    ) -> bytes:
        try:
            with trio.fail_after(self.timeout):
                stream = await open_stream(self.host, peer_id, [protocol])
                try:
                    await write_frame(stream, data)
                    return await read_frame(stream, max_response_bytes)
                finally:
                    with contextlib.suppress(Exception):
                        await stream.close()
        except wire.WireError:
            raise
        except Exception as exc:
            failed = f"{protocol} request to {peer_id} failed: {exc!r}"
            if not_supported(exc):
                raise ProtocolRefused(failed) from exc
            raise RequestError(failed) from exc


def _newest_muxed(host: Any, peer_id: str) -> Any:
    """The muxed connection of the peer's newest connection (None: not connected)."""
    conn = newest_connection(host, peer_id)
    return None if conn is None else conn.muxed_conn
