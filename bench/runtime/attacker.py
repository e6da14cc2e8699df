"""A hostile peer on the same stack as ``node/net/stack.py``: what tests and
``bench/runtime/faults.py`` send at a node to check that nothing a peer sends can take it down.

It speaks noise + yamux/mplex like an honest node, then writes raw bytes on any protocol
the victim accepts: junk frames, truncated frames, oversize length prefixes, streams that
stall after a partial frame; or it accepts the victim's requests and never answers.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator
from typing import Any

import trio
from libp2p import new_host
from libp2p.crypto.ed25519 import create_new_key_pair
from libp2p.crypto.x25519 import create_new_key_pair as create_x25519_key_pair
from libp2p.custom_types import TProtocol
from libp2p.peer.id import ID
from libp2p.peer.peerinfo import info_from_p2p_addr
from libp2p.security.noise.transport import PROTOCOL_ID as NOISE_PROTOCOL_ID
from libp2p.security.noise.transport import Transport as NoiseTransport
from libp2p.stream_muxer.mplex.mplex import MPLEX_PROTOCOL_ID, Mplex
from libp2p.stream_muxer.yamux.yamux import PROTOCOL_ID as YAMUX_PROTOCOL_ID
from libp2p.stream_muxer.yamux.yamux import Yamux
from multiaddr import Multiaddr

MESHSUB = ("/meshsub/1.2.0", "/meshsub/1.1.0", "/meshsub/1.0.0")
IDENTIFY = "/ipfs/id/1.0.0"


def varint(n: int) -> bytes:
    """An unsigned LEB128 varint (pubsub's length prefix)."""
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def u32(n: int) -> bytes:
    """Our own streams' 4-byte big-endian length prefix (node/net/framing.py)."""
    return n.to_bytes(4, "big")


def payloads(protocol: str, seed: int = 0) -> dict[str, bytes]:
    """The malformed frames to try on ``protocol``, by name."""
    junk = bytes((seed * 31 + i * 7 + 3) % 256 for i in range(64))
    prefix = varint if protocol.startswith("/meshsub") or protocol == IDENTIFY else u32
    return {
        "junk": prefix(len(junk)) + junk,
        "random": prefix(64) + os.urandom(64),
        "truncated": prefix(1000) + junk[:10],
        "oversize": prefix(1 << 30) + junk,
        "bad-prefix": b"\xff" * 12,
        "empty": prefix(0),
    }


SILENT_PROTOCOLS = (
    "/byteswarm/rpc/1.0.0",
    "/byteswarm/sync/2.0.0",
    "/byteswarm/sync-heads/1.0.0",
    "/byteswarm/sample/1.0.0",
)
"""What a slow Sybil accepts and never answers: every request catch-up sends."""


def keys_below(count: int, peer_id: str) -> list[Any]:
    """Ed25519 key pairs whose peer ids sort before ``peer_id``: ids are cheap to grind,
    so any order by id is an order the attacker picks."""
    keys = []
    while len(keys) < count:
        key_pair = create_new_key_pair()
        if ID.from_pubkey(key_pair.public_key).to_base58() < peer_id:
            keys.append(key_pair)
    return keys


async def _read_and_never_answer(stream: Any) -> None:
    """Read whatever comes (so the asker's writes succeed) and never write a byte."""
    with contextlib.suppress(Exception):
        while await stream.read(65536):
            pass


class Attacker:
    """A libp2p host under the attacker's control, connected to one victim."""

    def __init__(self, key_pair: Any = None) -> None:
        key_pair = key_pair or create_new_key_pair()
        noise = NoiseTransport(key_pair, noise_privkey=create_x25519_key_pair().private_key)
        self.host: Any = new_host(
            key_pair=key_pair,
            sec_opt={NOISE_PROTOCOL_ID: noise},
            muxer_opt={TProtocol(YAMUX_PROTOCOL_ID): Yamux, MPLEX_PROTOCOL_ID: Mplex},
        )
        self.peer_id = self.host.get_id().to_base58()
        self.victim: Any = None

    @contextlib.asynccontextmanager
    async def running(self, victim_addr: str) -> AsyncIterator[Attacker]:
        async with self.host.run([Multiaddr("/ip4/127.0.0.1/tcp/0")]):
            info = info_from_p2p_addr(Multiaddr(victim_addr))
            with trio.fail_after(15):
                await self.host.connect(info)
            self.victim = info.peer_id
            try:
                yield self
            finally:
                with trio.CancelScope(shield=True), trio.move_on_after(5):
                    await self.host.close()

    async def send(self, protocol: str, data: bytes, *, linger: float = 0.2) -> bool:
        """Open ``protocol`` and write ``data``; False if the victim refused the stream."""
        try:
            with trio.fail_after(10):
                stream = await self.host.new_stream(self.victim, [TProtocol(protocol)])
        except Exception:
            return False
        with contextlib.suppress(Exception):
            await stream.write(data)
            await trio.sleep(linger)
            await stream.reset()
        return True

    async def stall(self, protocol: str, data: bytes) -> Any:
        """Open ``protocol``, write ``data`` and keep the stream open; returns it (or None)."""
        try:
            with trio.fail_after(10):
                stream = await self.host.new_stream(self.victim, [TProtocol(protocol)])
            await stream.write(data)
        except Exception:
            return None
        return stream

    def silent(self) -> Attacker:
        """Accept every byteswarm request and never answer (a slow Sybil)."""
        for protocol in SILENT_PROTOCOLS:
            self.host.set_stream_handler(TProtocol(protocol), _read_and_never_answer)
        return self

    def connected(self) -> bool:
        return self.victim in self.host.get_connected_peers()


def bad_signature_rpc(from_id: bytes, topic: str, data: bytes, count: int) -> bytes:
    """One pubsub RPC frame publishing ``count`` messages whose libp2p signature is wrong."""
    from libp2p.pubsub.pb import rpc_pb2

    rpc = rpc_pb2.RPC()
    for i in range(count):
        msg = rpc.publish.add()
        msg.from_id = from_id
        msg.data = data
        msg.seqno = i.to_bytes(8, "big")
        msg.topicIDs.append(topic)
        msg.signature = bytes(64)
    body = rpc.SerializeToString()
    return varint(len(body)) + body
