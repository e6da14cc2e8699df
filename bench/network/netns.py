"""Hosts in network namespaces on one bridge: the fabric the multi-host tests and
``bench/network/mesh.py`` run real daemons on.

Layout (all names unique per fabric, so parallel runs never collide): one namespace holds
the bridges (``br0``, and ``br1``... while partitioned); each host is a namespace of its own
with ``eth0`` (10.77.0.<i+1>/24, an address that exists only inside it) on a veth pair
whose other end ``p<i>`` is a port of a bridge. Faults are plain link operations, no
iptables and no ``tc`` (``netem`` is not in this kernel): ``cut(i)`` sets ``p<i>`` down
(packets vanish, no FIN or RST: a dead link), ``partition(groups)`` moves each group's
ports to a bridge of its own, ``heal()`` puts every port back on ``br0`` and up.

Cleanup: ``close()`` deletes every namespace (their veths go with them); a fabric is a
context manager (Ctrl-C and, once a fabric exists, SIGTERM unwind through it), ``close``
is also registered with ``atexit``, and ``sweep()`` removes namespaces left by a process
that no longer exists (a SIGKILLed run; its daemons die with it: ``cluster.py``).
"""

from __future__ import annotations

import atexit
import itertools
import os
import re
import shutil
import signal
import subprocess
import threading
from collections.abc import Sequence

SUBNET = "10.77.0"
PREFIX = "bsw"
_NAME = re.compile(rf"^{PREFIX}(\d+)x\d+-")
_counter = itertools.count()


class NetnsUnavailable(RuntimeError):
    """Network namespaces cannot be created here (not root, no ``ip``, no kernel support)."""


def ip(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run ``ip ARGS``; raise with its stderr on failure when ``check``."""
    done = subprocess.run(["ip", *args], capture_output=True, text=True, timeout=30)
    if check and done.returncode != 0:
        raise RuntimeError(f"ip {' '.join(args)}: {done.stderr.strip()}")
    return done


def unavailable_reason() -> str | None:
    """Why namespaces cannot be made here, or None when they can."""
    if shutil.which("ip") is None:
        return "the `ip` command (iproute2) is not installed"
    if os.geteuid() != 0:
        return "network namespaces need root (CI runs the multi-host tests as root)"
    probe = f"{PREFIX}{os.getpid()}x{next(_counter)}-probe"
    done = ip("netns", "add", probe, check=False)
    if done.returncode != 0:
        return f"cannot create a network namespace: {done.stderr.strip()}"
    ip("netns", "del", probe, check=False)
    return None


def sweep() -> list[str]:
    """Delete namespaces of ours whose creating process is gone; returns their names."""
    gone = []
    listing = ip("netns", "list", check=False).stdout
    for line in listing.splitlines():
        name = line.split()[0] if line.split() else ""
        found = _NAME.match(name)
        if found and not os.path.exists(f"/proc/{found.group(1)}"):
            ip("netns", "del", name, check=False)
            gone.append(name)
    return gone


def _exit_on_sigterm() -> None:
    """Turn SIGTERM into SystemExit (unless someone handles it already), so ``with`` blocks
    and ``atexit`` delete the namespaces when the harness is terminated."""
    if threading.current_thread() is not threading.main_thread():
        return
    if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        signal.signal(signal.SIGTERM, _raise_exit)


def _raise_exit(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


class Fabric:
    """``count`` hosts on one bridge; host ``i`` has address ``10.77.0.<i+1>``."""

    def __init__(self, count: int) -> None:
        if not 1 <= count <= 200:
            raise ValueError("a fabric has 1 to 200 hosts")
        self.count = count
        self.tag = f"{PREFIX}{os.getpid()}x{next(_counter)}"
        self.bridge_ns = f"{self.tag}-br"
        self.hosts = [f"{self.tag}-h{i}" for i in range(count)]
        self.bridges = ["br0"]
        self._made: list[str] = []

    def address(self, i: int) -> str:
        return f"{SUBNET}.{i + 1}"

    def exec_prefix(self, i: int) -> list[str]:
        """The command prefix that runs a program inside host ``i``."""
        return ["ip", "netns", "exec", self.hosts[i]]

    def create(self) -> Fabric:
        reason = unavailable_reason()
        if reason:
            raise NetnsUnavailable(reason)
        sweep()
        atexit.register(self.close)
        _exit_on_sigterm()
        try:
            self._add_ns(self.bridge_ns)
            self._br("link", "add", "br0", "type", "bridge")
            self._br("link", "set", "br0", "up")
            for i, ns in enumerate(self.hosts):
                self._add_ns(ns)
                ip("link", "add", "eth0", "netns", ns, "type", "veth",
                   "peer", "name", f"p{i}", "netns", self.bridge_ns)  # fmt: skip
                self._br("link", "set", f"p{i}", "master", "br0")
                self._br("link", "set", f"p{i}", "up")
                ip("-n", ns, "addr", "add", f"{self.address(i)}/24", "dev", "eth0")
                ip("-n", ns, "link", "set", "eth0", "up")
                ip("-n", ns, "link", "set", "lo", "up")
        except BaseException:
            self.close()
            raise
        return self

    def _add_ns(self, name: str) -> None:
        ip("netns", "add", name)
        self._made.append(name)

    def _br(self, *args: str) -> None:
        ip("-n", self.bridge_ns, *args)

    # -- faults --------------------------------------------------------------------------

    def cut(self, i: int) -> None:
        """Take host ``i``'s link down: its packets vanish (no FIN, no RST)."""
        self._br("link", "set", f"p{i}", "down")

    def restore(self, i: int) -> None:
        self._br("link", "set", f"p{i}", "up")

    def partition(self, groups: Sequence[Sequence[int]]) -> None:
        """Split the hosts: group k's ports on bridge ``br<k>``; hosts in no group keep br0."""
        for k, group in enumerate(groups):
            bridge = f"br{k}"
            if bridge not in self.bridges:
                self._br("link", "add", bridge, "type", "bridge")
                self._br("link", "set", bridge, "up")
                self.bridges.append(bridge)
            for i in group:
                self._br("link", "set", f"p{i}", "master", bridge)

    def heal(self) -> None:
        """Every port back on ``br0`` and up."""
        for i in range(self.count):
            self._br("link", "set", f"p{i}", "master", "br0")
            self._br("link", "set", f"p{i}", "up")

    # -- lifecycle -------------------------------------------------------------------------

    def close(self) -> None:
        """Delete every namespace this fabric made (idempotent)."""
        while self._made:
            ip("netns", "del", self._made.pop(), check=False)

    def __enter__(self) -> Fabric:
        return self.create()

    def __exit__(self, *exc: object) -> None:
        self.close()
