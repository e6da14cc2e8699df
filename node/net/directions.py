"""Which side opened our connections to each peer (py-libp2p's ``SwarmConn.direction``)."""

from __future__ import annotations

from typing import Any


def connection_directions(host: Any) -> dict[str, str]:
    """Peer id -> ``inbound`` (it dialed us), ``outbound`` (we dialed it), ``both`` (one
    connection each way) or ``unknown``, for every peer with an open connection."""
    out: dict[str, str] = {}
    try:
        connections = host.get_network().get_connections_map()
    except Exception:  # a host that is closing: no connections to describe
        return out
    for peer_id, conns in connections.items():
        sides = set()
        for conn in conns:
            # libp2p.rcmgr.metrics.Direction, an IntEnum: UNKNOWN, INBOUND, OUTBOUND
            side = str(getattr(getattr(conn, "direction", None), "name", "")).lower()
            sides.add(side if side in ("inbound", "outbound") else "unknown")
        if sides:
            out[peer_id.to_base58()] = "both" if {"inbound", "outbound"} <= sides else min(sides)
    return out
