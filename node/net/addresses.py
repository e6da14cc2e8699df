"""Addresses: what we announce, what we keep of a peer's, what we dial.

A listen address on the wildcard (``/ip4/0.0.0.0``, ``/ip6/::``) is not dialable: py-libp2p
0.8.1 announced it as is (identify, ``byteswarm id``). ``announced`` is the host's
``addrs_factory``: each wildcard becomes one address per interface (loopback only when
there is no other), observed addresses confirmed by identify are kept. ``dialable`` cleans
a peer's addresses before we keep, tell or dial them.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import multiaddr
from libp2p.peer.id import ID
from multiaddr.utils import get_network_addrs

from node.wire.peers import MAX_ADDR_CHARS, MAX_PEX_ADDRS

WILDCARDS = {"ip4": "0.0.0.0", "ip6": "::"}


def interface_ips(family: str, lister: Callable[[int], list[str]] = get_network_addrs) -> list[str]:
    """Non-loopback, non-link-local addresses of every interface (``ip4`` or ``ip6``);
    the loopback address when there is none."""
    try:
        found = lister(4 if family == "ip4" else 6)
    except Exception:  # psutil missing a platform: fall back on loopback
        found = []
    ips = [ip for ip in found if not ipaddress.ip_address(ip).is_loopback]
    return ips or ["127.0.0.1" if family == "ip4" else "::1"]


def _split(addr: str) -> tuple[str, str, str] | None:
    """``(family, ip, rest)`` of ``/ip4/1.2.3.4/tcp/5``; None for any other shape."""
    parts = addr.split("/", 3)
    if len(parts) < 4 or parts[0] or parts[1] not in WILDCARDS:
        return None
    return parts[1], parts[2], parts[3]


def expand(addrs: Iterable[str], ips: Callable[[str], list[str]] = interface_ips) -> list[str]:
    """Each wildcard address replaced by one per interface; others kept; order kept."""
    out: list[str] = []
    for addr in addrs:
        split = _split(addr)
        if split is not None and split[1] == WILDCARDS[split[0]]:
            family, _, rest = split
            out.extend(f"/{family}/{ip}/{rest}" for ip in ips(family))
        else:
            out.append(addr)
    return list(dict.fromkeys(out))


def announced(candidates: Sequence[multiaddr.Multiaddr]) -> list[multiaddr.Multiaddr]:
    """The host's ``addrs_factory``: candidates (listen + confirmed observed) expanded."""
    return [multiaddr.Multiaddr(a) for a in expand(str(c) for c in candidates)]


def strip_p2p(addr: str) -> str:
    return addr.split("/p2p/", 1)[0]


def dialable(addrs: Iterable[str], limit: int = MAX_PEX_ADDRS) -> list[str]:
    """A peer's addresses we may keep, tell and dial: no ``/p2p/`` suffix, no wildcard,
    ip4/ip6/dns with tcp, each parseable, at most ``limit``."""
    out: list[str] = []
    for raw in addrs:
        addr = strip_p2p(str(raw))
        if len(addr) > MAX_ADDR_CHARS or addr in out or "/tcp/" not in addr:
            continue
        split = _split(addr)
        if split is not None:
            family, ip, _ = split
            try:
                parsed = ipaddress.ip_address(ip)
            except ValueError:
                continue
            if parsed.is_unspecified or parsed.is_multicast or ip == WILDCARDS[family]:
                continue
        elif not addr.startswith(("/dns/", "/dns4/", "/dns6/")):
            continue
        try:
            multiaddr.Multiaddr(addr)
        except Exception:
            continue
        out.append(addr)
        if len(out) >= limit:
            break
    return out


def observed(host: Any) -> list[str]:
    """Our addresses as peers reported seeing them (identify), one report being enough here;
    py-libp2p announces one only once 4 observer groups agree, and ignores loopback."""
    manager = getattr(host, "_observed_addr_manager", None)
    try:
        return [str(a) for a in manager.addrs(min_observers=1)] if manager is not None else []
    except Exception:  # the manager's internals are py-libp2p's
        return []


def ip_of(addr: str) -> str:
    """The IP of ``/ip4/1.2.3.4/...`` or ``/ip6/.../...``; "" for any other address."""
    split = _split(addr)
    return split[1] if split is not None else ""


def announced_by(host: Any, peer_id: str) -> list[str]:
    """The dialable addresses ``peer_id`` announced (identify put them in the peerstore)."""
    try:
        return dialable(str(a) for a in host.get_peerstore().addrs(ID.from_base58(peer_id)))
    except Exception:  # an unknown peer
        return []


def remote_ips(host: Any, peer_id: str) -> set[str]:
    """The IPs ``peer_id``'s live connections come from."""
    try:
        conns = host.get_network().get_connections(ID.from_base58(peer_id))
        return {str(c.muxed_conn.get_remote_address()[0]) for c in conns}
    except Exception:  # a connection closing under us
        return set()
