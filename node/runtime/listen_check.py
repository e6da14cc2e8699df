"""Checks of the addresses ``byteswarm run`` is told to listen on, before the host starts.

py-libp2p's TCP listener sets SO_REUSEPORT, so a second process (another byteswarm daemon
among them) binds a port that is already taken without a word, and the kernel then splits
the incoming connections between them. An explicit port is therefore probed first with a
plain socket (SO_REUSEADDR, which passes a port in TIME_WAIT, but no SO_REUSEPORT): if that
bind fails, somebody is listening there. Port 0 (the OS chooses) needs no probe.
"""

from __future__ import annotations

import socket
from collections.abc import Sequence

import multiaddr

FAMILIES = {"ip4": socket.AF_INET, "ip6": socket.AF_INET6}


class ListenError(ValueError):
    """An address the node cannot listen on; the message names it."""


def check_listen_addrs(addrs: Sequence[str]) -> None:
    """Raise ListenError for the first address that is not TCP or whose port is taken."""
    for text in addrs:
        addr = multiaddr.Multiaddr(text)
        names = [p.name for p in addr.protocols()]
        if "udp" in names or "quic" in names or "quic-v1" in names:
            raise ListenError(
                f"cannot listen on {text}: UDP/QUIC is not supported, listen on TCP"
                " (e.g. /ip4/0.0.0.0/tcp/4001)"
            )
        if len(names) < 2 or names[0] not in FAMILIES or names[1] != "tcp":
            raise ListenError(
                f"cannot listen on {text}: only /ip4/.../tcp/PORT and /ip6/.../tcp/PORT"
                " addresses are supported"
            )
        host = addr.value_for_protocol(names[0])
        port = int(addr.value_for_protocol("tcp"))
        if port:
            probe_tcp_port(text, FAMILIES[names[0]], host, port)


def probe_tcp_port(text: str, family: int, host: str, port: int) -> None:
    """Bind ``host:port`` without SO_REUSEPORT; ListenError if anybody holds it."""
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise ListenError(f"cannot listen on {text}: {exc.strerror or exc}") from exc
