"""Our live connections as the connection manager sees them: who dialed whom, who is in
the gossip mesh, closing one, and which peers are held off (not to be redialed).

The decisions are node/runtime/conn_manager.py's; this is the libp2p side of them.
"""

from __future__ import annotations

import logging
from typing import Any

import trio
from libp2p.peer.id import ID


class Links:
    """Read and close the host's connections; the bootstrap reconnector asks ``held``."""

    def __init__(self, host: Any, gossipsub: Any, log: logging.Logger) -> None:
        self.host = host
        self.gossipsub = gossipsub
        self.log = log
        self.held_until: dict[str, float] = {}
        """Peer -> trio time before which no one here redials it (discovery sets it: the
        peer said "full" and then closed our link)."""

    def outbound(self, peer_id: str) -> bool:
        """True when one of our live connections to ``peer_id`` is one we dialed."""
        try:
            conns = self.host.get_network().get_connections(ID.from_base58(peer_id))
            return any(bool(c.muxed_conn.is_initiator) for c in conns)
        except Exception:  # a connection closing under us
            return False

    def mesh(self) -> set[str]:
        """Peers in our gossip mesh of any topic."""
        mesh = getattr(self.gossipsub, "mesh", {})
        return {pid.to_base58() for peers in list(mesh.values()) for pid in list(peers)}

    def held(self, peer_id: str) -> bool:
        until = self.held_until.get(peer_id)
        if until is None:
            return False
        if until <= trio.current_time():
            del self.held_until[peer_id]
            return False
        return True

    async def close(self, peer_id: str) -> None:
        """Close each connection ``peer_id`` has now, waiting 2 s at most.

        Not ``host.disconnect``: py-libp2p 0.8.1's ``Swarm.close_peer`` ends by dropping the
        peer's whole entry from the swarm's map, so a connection the peer opened while the
        old ones closed stays open but unlisted (its pings still answered, never counted,
        never trimmed). Each ``SwarmConn.close`` removes only itself."""
        try:
            conns = self.host.get_network().get_connections(ID.from_base58(peer_id))
            with trio.move_on_after(2):
                for conn in conns:
                    await conn.close()
        except Exception as exc:  # already gone, or closing under us
            self.log.debug("disconnect %s failed: %r", peer_id, exc)
