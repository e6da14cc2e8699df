"""The answering side of request/response: a protocol's own streams and the channels.

Every handler is reachable on its own protocol id (one stream per exchange) and over a
peer's channel streams (``RPC_PROTOCOL``; the frames are described in ``rpc.py``, the
asking side). The requester's token bucket is charged before a request is read, reads are
bounded (``[peer_limits] request_read_timeout`` once a request has begun), a handler's
error is answered or the stream closed, never propagated, and blame follows the cause.
"""

from __future__ import annotations

import contextlib
import logging
import struct
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import trio
from libp2p.custom_types import TProtocol

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
LENGTH = struct.Struct(">I")
"""A channel request's length prefix."""

RequestHandler = Callable[[bytes, str], Awaitable[bytes]]


@dataclass(frozen=True)
class _Handler:
    serve: RequestHandler
    max_request_bytes: int
    counter: str


class Answering:
    """The handlers of one libp2p host, served on their streams and on channels."""

    def __init__(
        self,
        host: Any,
        buckets: TokenBuckets,
        counters: Counter[str],
        timeout: float,
        log: logging.Logger,
        guard: PeerGuard,
        read_timeout: float,
    ) -> None:
        self.host = host
        self.guard = guard
        self.buckets = buckets
        self.counters = counters
        self.timeout = timeout
        self.read_timeout = read_timeout
        """Deadline for a request frame once its stream (or its length) has arrived."""
        self.log = log
        self._handlers: dict[str, _Handler] = {}
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
                (length,) = LENGTH.unpack(await read_exactly(stream, LENGTH.size))
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


def _refused(reason: str) -> tuple[int, bytes]:
    return REFUSED, reason.encode("utf-8")[:MAX_REASON]
