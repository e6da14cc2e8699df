"""Real ``python -m node run`` daemons, one per namespaced host of a ``Fabric``.

Each daemon listens on ``/ip4/10.77.0.<i+1>/tcp/4001`` inside its host and runs the code
of this checkout (``PYTHONPATH`` and cwd are the checkout's root, whatever the caller's
are). The harness reads each node from its data dir (status snapshot, records) on the
host side, and drives it with ``python -m node <command> --data-dir``: both go through the
file system and the data dir's unix socket, which no namespace hides.
"""

from __future__ import annotations

import ctypes
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import node
from bench.network.netns import Fabric
from node.config.settings import STORE_FILE

ROOT = Path(node.__file__).resolve().parents[1]
PORT = 4001
T = TypeVar("T")


def die_with_parent() -> None:
    """In the child before exec: SIGTERM it when the harness dies (even by SIGKILL), so no
    daemon outlives its namespaces (Linux ``PR_SET_PDEATHSIG``; it survives ``exec``)."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG = 1


def checkout_env() -> dict[str, str]:
    """The environment that makes ``python -m node`` run this checkout's code."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT)
    env.setdefault("OMP_NUM_THREADS", "1")
    return env


class Cluster:
    """One daemon per host of ``fabric``, data dirs under ``root``."""

    def __init__(self, fabric: Fabric, root: Path, config: str = "") -> None:
        self.fabric = fabric
        self.root = root
        self.config = config
        self.procs: dict[int, subprocess.Popen[bytes]] = {}
        self.peer_ids: dict[int, str] = {}

    def data_dir(self, i: int) -> Path:
        return self.root / f"h{i}"

    def start(self, i: int, bootstrap: Sequence[int] = (), config: str | None = None) -> None:
        """Start (or restart) host ``i``'s daemon, bootstrapped off the hosts ``bootstrap``
        (their peer ids must be known: started once before)."""
        d = self.data_dir(i)
        d.mkdir(parents=True, exist_ok=True)
        text = self.config if config is None else config
        # Top-level keys must come before any [table]: the caller's text goes first.
        (d / "config.toml").write_text(f"{text}\n[sync]\ninterval = 1.0\n", encoding="utf-8")
        cmd = [
            *self.fabric.exec_prefix(i),
            sys.executable, "-m", "node", "run",
            "--data-dir", str(d), "--config", str(d / "config.toml"),
            "--listen", f"/ip4/{self.fabric.address(i)}/tcp/{PORT}",
            "--log-level", "warning",
        ]  # fmt: skip
        for j in bootstrap:
            cmd += ["--bootstrap", self.multiaddr(j)]
        with (d / "daemon.log").open("ab") as log:
            self.procs[i] = subprocess.Popen(
                cmd,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=checkout_env(),
                cwd=ROOT,
                preexec_fn=die_with_parent,
            )

    def start_star(self, bootstrap: int = 0, timeout: float = 40) -> None:
        """Start every host, all but ``bootstrap`` bootstrapped off it; wait until all run."""
        self.start(bootstrap)
        self.wait_up(bootstrap, timeout)
        others = [i for i in range(self.fabric.count) if i != bootstrap]
        for i in others:
            self.start(i, [bootstrap])
        for i in others:
            self.wait_up(i, timeout)

    def wait_up(self, i: int, timeout: float = 40) -> str:
        status = self.wait_for(lambda: self.status(i), timeout, f"host {i} to start")
        self.peer_ids[i] = str(status["peer_id"])
        return self.peer_ids[i]

    def multiaddr(self, i: int) -> str:
        return f"/ip4/{self.fabric.address(i)}/tcp/{PORT}/p2p/{self.peer_ids[i]}"

    def stop(self, i: int, *, kill: bool = False) -> None:
        """SIGTERM (clean stop) or SIGKILL (a crash) host ``i``'s daemon and reap it."""
        proc = self.procs.pop(i, None)
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

    def close(self) -> None:
        for i in list(self.procs):
            if self.procs[i].poll() is None:
                self.procs[i].send_signal(signal.SIGTERM)
        for i in list(self.procs):
            self.stop(i)

    def __enter__(self) -> Cluster:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- reading a node ------------------------------------------------------------------

    def status(self, i: int) -> dict[str, Any] | None:
        """Host ``i``'s latest status snapshot, or None (not running, or older than 5 s)."""
        from node.store.database import Store, StoreError

        path = self.data_dir(i) / STORE_FILE
        if not path.exists():
            return None
        try:
            with Store.open(path, readonly=True) as store:
                found = store.read_status("node")
        except StoreError:
            return None
        if found is None or time.time() - found[0] / 1000 > 5:
            return None
        doc: dict[str, Any] = json.loads(found[1])  # the typed section as stored (JSON)
        return doc

    def connected(self, i: int) -> set[str]:
        status = self.status(i) or {}
        return {str(p) for p in status.get("connected_peers", [])}

    def records(self, i: int, topic: str) -> set[tuple[str, int]]:
        """(author hex, seq) of every stored record of ``topic`` on host ``i``."""
        path = self.data_dir(i) / STORE_FILE
        if not path.exists():
            return set()
        try:
            with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5) as db:
                rows = db.execute("SELECT author, seq FROM records WHERE topic = ?", (topic,))
                return {(bytes(a).hex(), int(s)) for a, s in rows}
        except sqlite3.Error:
            return set()

    def cli(self, i: int, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        """``python -m node ARGS --data-dir <host i>`` from the harness side."""
        return subprocess.run(
            [sys.executable, "-m", "node", *args, "--data-dir", str(self.data_dir(i))],
            capture_output=True,
            text=True,
            timeout=timeout,
            env=checkout_env(),
            cwd=ROOT,
        )

    def publish(self, i: int, text: str, count: int = 1) -> None:
        done = self.cli(i, "publish", text, "--count", str(count))
        if done.returncode != 0:
            raise RuntimeError(f"publish on host {i}: {done.stderr.strip()}")

    def wait_for(self, predicate: Callable[[], T | None], timeout: float, what: str) -> T:
        """Poll ``predicate`` every 0.2 s; raise naming ``what`` (and a dead daemon's log)."""
        deadline = time.monotonic() + timeout
        while True:
            for i, proc in self.procs.items():
                if proc.poll() is not None:
                    tail = (self.data_dir(i) / "daemon.log").read_text(errors="replace")[-2000:]
                    raise RuntimeError(f"host {i} exited ({proc.returncode}):\n{tail}")
            value = predicate()
            if value:
                return value
            if time.monotonic() > deadline:
                raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")
            time.sleep(0.2)
