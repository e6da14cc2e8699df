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
"""

from __future__ import annotations

import contextlib
import logging
import struct
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import trio
from libp2p.custom_types import TProtocol
from libp2p.peer.id import ID
from libp2p.protocol_muxer.exceptions import MultiselectClientError, ProtocolNotSupportedError

from node import wire
from node.net.framing import FrameError, read_exactly, read_frame, write_frame
from node.net.peer_guard import PeerGuard
from node.net.ratelimit import TokenBuckets

RPC_PROTOCOL = "/byteswarm/rpc/1.0.0"
MAX_CHANNELS_PER_PEER = 2
"""Channels a peer may hold open to us at once (one is what our own code opens)."""
OK, REFUSED, RATE_LIMITED = 0, 1, 2
MAX_REASON = 200
"""Bytes of a refusal's reason."""
_LENGTH = struct.Struct(">I")

RequestHandler = Callable[[bytes, str], Awaitable[bytes]]


class RequestError(RuntimeError):
    """A request failed: unreachable peer, refused, timed out, or a bad answer."""


class ChannelLost(RequestError):
    """The channel's stream broke (closed, reset, a dropped connection), not a slow peer."""


class ProtocolRefused(RequestError):
    """The peer does not speak the protocol: multistream-select answered "na" (a libp2p
    host that is not a byteswarm node, or one too old for this protocol)."""


@dataclass(frozen=True)
class _Handler:
    serve: RequestHandler
    max_request_bytes: int
    counter: str


@dataclass
class _Channel:
    stream: Any
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
        self.guard = guard
        self.buckets = buckets
        self.counters = counters
        self.timeout = timeout
        self.read_timeout = min(timeout, read_timeout)
        """Deadline for a request frame once its stream (or its length) has arrived."""
        self.log = log
        self._handlers: dict[str, _Handler] = {}
        self._channels: dict[str, _Channel] = {}
        self._opening: dict[str, trio.Lock] = {}
        self._served_channels: Counter[str] = Counter()
        host.set_stream_handler(TProtocol(RPC_PROTOCOL), self._serve_channel)

    def handle(self, protocol: str, serve: RequestHandler, max_request_bytes: int) -> None:
        """Serve ``protocol`` on its own streams and over channels.

        The requester's token bucket is charged before the request is read; reads are
        bounded; a handler error is logged and answered (or the stream closed), never
        propagated.
        """
        handler = _Handler(serve, max_request_bytes, protocol.strip("/").replace("/", "_"))
        self._handlers[protocol] = handler

        async def on_stream(stream: Any) -> None:
            peer = stream.muxed_conn.peer_id.to_base58()
            try:
                if self.guard.graylisted(peer):
                    self.counters["rejected_graylisted"] += 1
                    return
                if not self.buckets.take(peer, 1.0):
                    self.counters["rejected_rate"] += 1
                    self.guard.blame(peer, "rate_limited")
                    return
                with trio.fail_after(self.read_timeout):
                    request = await read_frame(stream, max_request_bytes)
                with trio.fail_after(self.timeout):
                    await write_frame(stream, await serve(request, peer))
                    self.counters[f"{handler.counter}_served"] += 1
            except Exception as exc:  # a bad peer must never take the handler down
                self.counters[f"{handler.counter}_errors"] += 1
                self.guard.blame(peer, _cause(exc))
                self.log.debug("%s request from %s failed: %r", protocol, peer, exc)
            finally:
                with contextlib.suppress(Exception):
                    await stream.close()

        self.host.set_stream_handler(TProtocol(protocol), on_stream)

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
        """The peer's channel (opened now if need be, then ``fresh``), or None."""
        channel = self._channels.get(peer_id)
        if channel is not None:
            return channel, False
        async with self._opening.setdefault(peer_id, trio.Lock()):
            channel = self._channels.get(peer_id)
            if channel is not None:
                return channel, False
            try:
                with trio.fail_after(self.timeout):
                    stream = await self.host.new_stream(
                        ID.from_base58(peer_id), [TProtocol(RPC_PROTOCOL)]
                    )
            except Exception as exc:  # an older node, or an unreachable one
                self.log.info("no request channel to %s: %r", peer_id, exc)
                return None, False
            channel = self._channels[peer_id] = _Channel(stream)
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
        with trio.CancelScope(shield=True), trio.move_on_after(1.0), contextlib.suppress(Exception):
            await channel.stream.reset()

    async def _on_new_stream(
        self, peer_id: str, protocol: str, data: bytes, max_response_bytes: int
    ) -> bytes:
        try:
            with trio.fail_after(self.timeout):
                stream = await self.host.new_stream(ID.from_base58(peer_id), [TProtocol(protocol)])
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
            if _not_supported(exc):
                raise ProtocolRefused(failed) from exc
            raise RequestError(failed) from exc

    # -- answering over channels ---------------------------------------------------------

    async def _serve_channel(self, stream: Any) -> None:
        peer = stream.muxed_conn.peer_id.to_base58()
        if self._served_channels[peer] >= MAX_CHANNELS_PER_PEER or self.guard.graylisted(peer):
            with contextlib.suppress(Exception):
                await stream.reset()
            return
        self._served_channels[peer] += 1
        try:
            while True:
                # An idle channel waits for its next request as long as the connection
                # lives; once a request has begun, it must arrive in time.
                (length,) = _LENGTH.unpack(await read_exactly(stream, _LENGTH.size))
                largest = max((h.max_request_bytes for h in self._handlers.values()), default=0)
                if length > largest + 256:
                    raise wire.WireError(f"request of {length} bytes on a channel")
                with trio.fail_after(self.read_timeout):
                    frame = await read_exactly(stream, length)
                with trio.fail_after(self.timeout):
                    status, body = await self._answer(frame, peer)
                    await write_frame(stream, bytes([status]) + body)
        except (FrameError, wire.WireError, trio.TooSlowError) as exc:
            self.guard.blame(peer, _cause(exc))
            self.log.debug("request channel from %s closed: %r", peer, exc)
        except Exception as exc:  # a stream reset or a closed connection
            self.log.debug("request channel from %s ended: %r", peer, exc)
        finally:
            self._served_channels[peer] -= 1
            with contextlib.suppress(Exception):
                await stream.close()

    async def _answer(self, frame: bytes, peer: str) -> tuple[int, bytes]:
        if not frame or len(frame) < 1 + frame[0]:
            raise wire.WireError("malformed channel request")
        protocol = frame[1 : 1 + frame[0]].decode("utf-8", "replace")
        data = frame[1 + frame[0] :]
        handler = self._handlers.get(protocol)
        if handler is None:
            return _refused(f"no handler for {protocol!r}")
        if self.guard.graylisted(peer):
            self.counters["rejected_graylisted"] += 1
            return _refused("graylisted")
        if not self.buckets.take(peer, 1.0):
            self.counters["rejected_rate"] += 1
            self.guard.blame(peer, "rate_limited")
            return RATE_LIMITED, b""
        if len(data) > handler.max_request_bytes:
            self.counters[f"{handler.counter}_errors"] += 1
            self.guard.blame(peer, "oversize")
            return _refused(f"request over {handler.max_request_bytes} bytes")
        try:
            answer = await handler.serve(data, peer)
        except Exception as exc:  # a bad request must never take the channel down
            self.counters[f"{handler.counter}_errors"] += 1
            self.guard.blame(peer, _cause(exc))
            self.log.debug("%s request from %s failed: %r", protocol, peer, exc)
            return _refused(repr(exc))
        self.counters[f"{handler.counter}_served"] += 1
        return OK, answer


def _cause(exc: BaseException) -> str:
    """The blame category of a failed exchange: the peer's bytes, or its stream.

    Anything else (our own store or service failing) is not the peer's fault.
    """
    if isinstance(exc, wire.WireError):
        return "protocol_error"
    if isinstance(exc, FrameError | trio.TooSlowError):
        return "request_error"
    return "our_error"


def _not_supported(exc: BaseException | None) -> bool:
    """Whether a failed ``new_stream`` was the peer refusing every protocol offered.
    py-libp2p 0.8 raises a plain MultiselectClientError for that, told apart from a
    negotiation timeout or a broken stream only by its message."""
    while exc is not None:
        if isinstance(exc, ProtocolNotSupportedError):
            return True
        if isinstance(exc, MultiselectClientError):
            return str(exc).startswith("protocols not supported")
        exc = exc.__cause__ or exc.__context__
    return False


def _refused(reason: str) -> tuple[int, bytes]:
    return REFUSED, reason.encode("utf-8")[:MAX_REASON]
