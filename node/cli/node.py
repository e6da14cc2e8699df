"""``byteswarm status``, ``id``, ``stop``, ``peers`` and ``events``: the node process as an
operator sees it.

Whether a node is running is the data dir's lock (``node.lock``), not only the status
row: a daemon killed mid-run leaves a snapshot that still says "running".
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path
from typing import Any

import click
import msgspec

from node.cli.common import (
    FiniteRange,
    UserError,
    cli_config,
    data_dir_option,
    emit,
    json_option,
    limit_option,
    no_node_error,
    node_pid,
    open_store,
    read_status,
)
from node.cli.text import clock, duration, size
from node.config.settings import STORE_FILE
from node.wire.status.node import NodeStatus

ID_WAIT_S = 5.0
"""How long ``byteswarm id`` waits for a node started a moment ago to write its identity."""


def _pairs(mapping: dict[str, Any]) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(mapping.items())) or "-"


def _known(data: NodeStatus) -> str:
    found = data.discovery
    return f", {found.known} known, {len(found.dialing)} dialing"


def status_text(data: NodeStatus) -> str:
    """The status document as a few aligned lines."""
    if data.running:
        state = f"running (pid {data.pid}, up {duration(data.uptime_s)}, {data.role})"
    else:
        state = f"stopped (last status {duration(data.age_s)} ago)"
    rows = [
        ("node", state),
        ("peer id", data.peer_id or "?"),
        ("listen", " ".join(data.listen_addrs) or "-"),
        ("peers", f"{len(data.connected_peers)} connected" + _known(data)),
        ("topics", ", ".join(f"{t} (mesh {n})" for t, n in data.topics.items()) or "-"),
        ("records", _pairs(data.records)),
        ("store", "-" if data.store_bytes is None else size(float(data.store_bytes))),
        ("services", ", ".join(data.services) or "-"),
        ("counters", _pairs(data.counters)),
    ]
    history = data.history
    if history.failed_writes or history.dropped:  # the store refused history writes
        lost = f"{history.buffered} samples waiting, {history.dropped} dropped"
        rows.append(("history", f"{lost} ({history.failed_writes} writes refused: store full)"))
    return "\n".join(f"{name:9} {value}" for name, value in rows)


@click.command()
@data_dir_option
@json_option
def status(data_dir: Path | None, as_json: bool) -> None:
    """Show whether the node runs, its peer id, addresses, peers, topics and counts."""
    config = cli_config(data_dir)
    pid = node_pid(config.data_dir)
    if pid is not None and not (config.data_dir / STORE_FILE).exists():
        emit({"running": True, "pid": pid}, as_json, f"node      starting (pid {pid})")
        return
    with open_store(data_dir) as store:
        data = read_status(store, config.data_dir)
    if data is None and pid is None:
        raise UserError("the node has not written a status yet")
    if pid is not None and (data is None or (data.pid and data.pid != pid)):
        emit({"running": True, "pid": pid}, as_json, f"node      starting (pid {pid})")
        return
    assert data is not None
    emit(msgspec.to_builtins(data), as_json, status_text(data))


@click.command(name="id")
@data_dir_option
@json_option
@click.option(
    "--wait",
    type=FiniteRange(0, 600),
    default=ID_WAIT_S,
    show_default=True,
    help="Seconds to wait for a node that is just starting (0: print at once).",
)
def id_(data_dir: Path | None, as_json: bool, wait: float) -> None:
    """Print this node's peer id and (if running) its listen addresses.

    Right after ``byteswarm run &`` it waits a few seconds for the node to start."""
    from node.net.identity import KEY_FILE, IdentityError, load_identity
    from node.wire import peer_id_str

    config = cli_config(data_dir)
    key_path = config.data_dir / KEY_FILE
    deadline = time.monotonic() + wait
    while not key_path.exists():  # the node may be starting this moment
        if time.monotonic() >= deadline:
            raise UserError(f"no identity at {key_path}; start the node once with: byteswarm run")
        time.sleep(0.1)
    try:
        identity = load_identity(key_path)
    except IdentityError as exc:
        raise UserError(str(exc)) from exc
    peer = peer_id_str(identity.public_key)
    addrs = _listen_addrs(config.data_dir, deadline)
    addrs = [a if "/p2p/" in a else f"{a}/p2p/{peer}" for a in addrs]
    if not addrs and not as_json:
        click.echo(f"({config.data_dir}: no node running, so no addresses)", err=True)
    emit({"peer_id": peer, "listen_addrs": addrs}, as_json, "\n".join([peer, *addrs]))


def _listen_addrs(data_dir: Path, deadline: float) -> list[str]:
    """The running node's listen addresses, waiting until ``deadline`` for a starting one
    (a restarted node has its identity already but takes a moment to lock the data dir),
    or [] if none runs by then."""
    while True:
        pid = node_pid(data_dir)
        if pid and (data_dir / STORE_FILE).exists():
            try:
                with open_store(data_dir) as store:
                    data = read_status(store, data_dir)
            except UserError:  # being created or migrated by the starting node
                data = None
            if data and data.running:  # this process's snapshot (read_status checks)
                return list(data.listen_addrs)
        if time.monotonic() >= deadline:
            return []
        time.sleep(0.1)


@click.command()
@data_dir_option
@json_option
@click.option(
    "--timeout",
    type=FiniteRange(0.1, 3600),
    default=30.0,
    show_default=True,
    help="Seconds to wait for the node to exit.",
)
def stop(data_dir: Path | None, as_json: bool, timeout: float) -> None:
    """Stop the node running in the data dir (SIGTERM) and wait until it has exited."""
    config = cli_config(data_dir)
    deadline = time.monotonic() + timeout
    pid = node_pid(config.data_dir)
    while pid == 0 and time.monotonic() < deadline:  # locked a moment ago, pid not written
        time.sleep(0.05)
        pid = node_pid(config.data_dir)
    if not pid:
        raise no_node_error(config.data_dir)
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        pass  # it exited meanwhile
    except PermissionError as exc:
        raise UserError(f"cannot signal the node (pid {pid}): {exc.strerror}") from exc
    while node_pid(config.data_dir) is not None or _alive(pid):
        if time.monotonic() >= deadline:
            raise UserError(f"the node (pid {pid}) did not stop within {timeout:g} s")
        time.sleep(0.1)
    emit(
        {"stopped": True, "pid": pid}, as_json, f"stopped the node in {config.data_dir} (pid {pid})"
    )


def _alive(pid: int) -> bool:
    """Whether ``pid`` still runs (a zombie waiting for its parent to reap it does not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rpartition(")")[2].split()[0] != "Z"


@click.command()
@data_dir_option
@json_option
def peers(data_dir: Path | None, as_json: bool) -> None:
    """List the peers this node has seen, connected ones first."""
    with open_store(data_dir) as store:
        rows = store.list_peers()
    data = [
        {
            "peer_id": p.peer_id,
            "connected": p.connected,
            "addrs": p.addrs,
            "last_seen_ms": p.last_seen_ms,
        }
        for p in sorted(rows, key=lambda p: (not p.connected, p.peer_id))
    ]
    text = "\n".join(
        f"{'*' if p['connected'] else ' '} {p['peer_id']} {' '.join(p['addrs'])}" for p in data
    )
    emit(data, as_json, text or "no peers seen yet")


@click.command()
@data_dir_option
@json_option
@limit_option("events")
def events(data_dir: Path | None, as_json: bool, limit: int) -> None:
    """Show the node's most recent events, newest first."""
    with open_store(data_dir) as store:
        rows = store.recent_events(limit)
    data = [
        {"ts_ms": e.ts_ms, "level": e.level, "kind": e.kind, "message": e.message} for e in rows
    ]
    emit(
        data,
        as_json,
        "\n".join(f"{clock(e['ts_ms'])} {e['level']:7} {e['kind']:8} {e['message']}" for e in data)
        or "no events yet",
    )
