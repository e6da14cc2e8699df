"""A local swarm of real ``byteswarm run`` processes: the harness of the demo, the
integration tests and ``bench/gossip.py``."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import msgspec

from node.config.settings import STORE_FILE
from node.wire.status.codec import decode_section
from node.wire.status.node import NodeStatus


class Swarm:
    """Local daemons in their own data dirs; each is a ``python -m node run`` process."""

    def __init__(self, root: Path, *, sync_interval: float = 1.0) -> None:
        self.root = root
        self.procs: list[subprocess.Popen[bytes]] = []
        self.dirs: list[Path] = []
        self.sync_interval = sync_interval
        self.signalled: set[int] = set()
        """Pids already sent SIGTERM."""

    def start(
        self,
        bootstrap: str | Sequence[str] | None = None,
        data_dir: Path | None = None,
        config: str = "",
        listen: str | None = None,
    ) -> Path:
        """Start a daemon in a new data dir (or restart one in ``data_dir``), on an
        ephemeral loopback port unless ``listen`` names one."""
        data_dir = data_dir or self.root / f"node{len(self.dirs)}"
        data_dir.mkdir(parents=True, exist_ok=True)
        path = data_dir / "config.toml"
        # Top-level keys must come before any [table] in TOML: ``config`` goes first.
        text = f"{config}\n[sync]\ninterval = {self.sync_interval}\n"
        path.write_text(text, encoding="utf-8")
        cmd = [
            sys.executable,
            "-m",
            "node",
            "run",
            "--data-dir",
            str(data_dir),
            "--config",
            str(path),
            "--log-level",
            "warning",
        ]
        for addr in [bootstrap] if isinstance(bootstrap, str) else bootstrap or []:
            cmd += ["--bootstrap", addr]
        if listen is not None:
            cmd += ["--listen", listen]
        with (data_dir / "daemon.log").open("ab") as log:
            proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
        if data_dir in self.dirs:
            self.procs[self.dirs.index(data_dir)] = proc
        else:
            self.procs.append(proc)
            self.dirs.append(data_dir)
        return data_dir

    def start_star(
        self, count: int, config: str = "", first_config: str | None = None, timeout: float = 30
    ) -> list[Path]:
        """Start ``count`` daemons, every other one bootstrapping off the first (started with
        ``first_config`` if given), and wait until the first is connected to all of them."""
        first = self.start(config=config if first_config is None else first_config)
        boot = self.address(first)
        dirs = [first, *(self.start(boot, config=config) for _ in range(count - 1))]
        self.wait_for(
            lambda: len((self.status(first) or {}).get("connected_peers", [])) == count - 1,
            timeout,
            "mesh",
        )
        return dirs

    def status(self, data_dir: Path) -> dict[str, Any] | None:
        """The node's fresh status document (None if older than 5 s or not written yet),
        decoded with its struct and handed back as plain data (the harness's callers index
        it like the JSON of ``byteswarm status --json``)."""
        found = _read_section(data_dir, NodeStatus.SECTION)
        if found is None or time.time() - found[0] / 1000 > 5:
            return None
        document: dict[str, Any] = msgspec.to_builtins(found[1])
        return document

    def wait_for(self, predicate: Any, timeout: float, what: str) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for proc, d in zip(self.procs, self.dirs, strict=True):
                if proc.poll() is not None:
                    tail = (d / "daemon.log").read_text(errors="replace")[-2000:]
                    raise RuntimeError(f"daemon in {d} exited ({proc.returncode}):\n{tail}")
            value = predicate()
            if value:
                return value
            time.sleep(0.2)
        raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")

    def address(self, data_dir: Path) -> str:
        status = self.wait_for(lambda: self.status(data_dir), 30, f"{data_dir} to start")
        addr = str(status["listen_addrs"][0])
        return addr if "/p2p/" in addr else f"{addr}/p2p/{status['peer_id']}"

    def terminate(self) -> None:
        """SIGTERM, once, to every daemon still running; ``stop`` waits for them. (A second
        SIGTERM would hit a daemon already shutting down with the default handler back.)"""
        for proc in self.procs:
            if proc.poll() is None and proc.pid not in self.signalled:
                proc.send_signal(signal.SIGTERM)
                self.signalled.add(proc.pid)

    def stop(self) -> None:
        self.terminate()
        for proc in self.procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def __enter__(self) -> Swarm:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def run_cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """``byteswarm ARGS`` in a fresh interpreter, output captured (for tests and scripts)."""
    return subprocess.run(
        [sys.executable, "-m", "node", *args], capture_output=True, text=True, timeout=timeout
    )


def note_count(swarm: Swarm, data_dir: Path) -> int:
    status = swarm.status(data_dir)
    return int(status["records"].get("byteswarm/notes", 0)) if status else 0


def _read_section(d: Path, name: str) -> tuple[int, Any] | None:
    """(ts_ms, section ``name`` decoded), None while the node is not up yet; a section
    that breaks its type raises StatusError."""
    from node.store.database import Store, StoreError

    if not (d / STORE_FILE).exists():
        return None
    try:
        with Store.open(d / STORE_FILE, readonly=True) as store:
            found = store.read_status(name)
    except StoreError:  # still being created or migrated by the starting daemon
        return None
    return None if found is None else (found[0], decode_section(name, found[1]))


def service_status(d: Path, key: str) -> dict[str, Any]:
    """A service's last status snapshot, decoded with its struct and handed back as plain
    data ({} while the node is not up yet)."""
    found = _read_section(d, key)
    document: dict[str, Any] = msgspec.to_builtins(found[1]) if found else {}
    return document


def finetune_run(d: Path, run_id: str) -> dict[str, Any]:
    return dict(service_status(d, "finetune").get("runs", {}).get(run_id, {}))


def run_settled(dirs: list[Path], run_id: str, rounds: int, *, final: bool = False) -> bool:
    """Every node is past the last round and sees every node agree on its checkpoint
    (``final``: and a majority has closed the history at it)."""
    for d in dirs:
        run = finetune_run(d, run_id)
        last = run.get("checkpoints", {}).get(str(rounds), {})
        if run.get("round") != rounds or len(last.get("agree", [])) < len(dirs):
            return False
        if final and run.get("final_round") != rounds:
            return False
    return True
