"""The ``byteswarm`` command line.

Every command takes ``--data-dir`` (or ``BYTESWARM_DATA_DIR``); commands that print data
take ``--json``. Errors are one line on stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import click

from node.config import DATA_DIR_ENV, STORE_FILE, ConfigError, NodeConfig, load_config

STALE_AFTER_S = 5.0


class UserError(click.ClickException):
    """A problem the user can fix; printed as one line, exit code 2."""

    exit_code = 2

    def show(self, file: Any = None) -> None:
        click.echo(f"error: {self.format_message()}", err=True)


data_dir_option = click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    envvar=DATA_DIR_ENV,
    default=None,
    help=f"Node data directory (identity key, store). Env: {DATA_DIR_ENV}.",
)
json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")


def _config(data_dir: Path | None, config_path: Path | None = None, **kw: Any) -> NodeConfig:
    try:
        return load_config(config_path, data_dir=data_dir, **kw)
    except ConfigError as exc:
        raise UserError(str(exc)) from exc


def _open_store(data_dir: Path | None) -> Any:
    from node.store import Store, StoreError

    config = _config(data_dir)
    path = config.data_dir / STORE_FILE
    if not path.exists():
        raise UserError(f"no node store at {path}; start one with: byteswarm run")
    try:
        return Store.open(path, readonly=True)
    except StoreError as exc:
        raise UserError(str(exc)) from exc


def _emit(data: Any, as_json: bool, text: str) -> None:
    click.echo(json.dumps(data, indent=2, sort_keys=True) if as_json else text)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="byteswarm")
def cli() -> None:
    """byteswarm: learn together on edge devices, without a central server."""


def _read_status(store: Any) -> dict[str, Any] | None:
    found = store.read_status("node")
    if found is None:
        return None
    ts_ms, data = found
    data = dict(data)
    data["age_s"] = round(time.time() - ts_ms / 1000, 1)
    data["running"] = bool(data.get("running")) and data["age_s"] < STALE_AFTER_S
    return data


@cli.command()
@data_dir_option
@json_option
def status(data_dir: Path | None, as_json: bool) -> None:
    """Show the node's last status snapshot (peer id, addresses, peers, topics, counts)."""
    with _open_store(data_dir) as store:
        data = _read_status(store)
    if data is None:
        raise UserError("the node has not written a status yet")
    lines = [
        f"peer id:   {data.get('peer_id')}",
        f"running:   {data['running']} (snapshot {data['age_s']} s old)",
        f"listen:    {' '.join(data.get('listen_addrs', []))}",
        f"peers:     {len(data.get('connected_peers', []))} connected",
        f"topics:    {', '.join(f'{t} (mesh {n})' for t, n in data.get('topics', {}).items())}",
        f"records:   {data.get('records', {})}",
        f"store:     {data.get('store_bytes', 0)} bytes",
        f"counters:  {data.get('counters', {})}",
    ]
    _emit(data, as_json, "\n".join(lines))


@cli.command()
@data_dir_option
@json_option
def peers(data_dir: Path | None, as_json: bool) -> None:
    """List the peers this node has seen, connected ones first."""
    with _open_store(data_dir) as store:
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
    _emit(data, as_json, text or "no peers seen yet")


@cli.command(name="id")
@data_dir_option
@json_option
def id_(data_dir: Path | None, as_json: bool) -> None:
    """Print this node's peer id and (if running) its listen addresses."""
    from node.identity import KEY_FILE, IdentityError, load_identity
    from node.wire import peer_id_str

    config = _config(data_dir)
    key_path = config.data_dir / KEY_FILE
    if not key_path.exists():
        raise UserError(f"no identity at {key_path}; start the node once with: byteswarm run")
    try:
        identity = load_identity(key_path)
    except IdentityError as exc:
        raise UserError(str(exc)) from exc
    peer = peer_id_str(identity.public_key)
    addrs: list[str] = []
    if (config.data_dir / STORE_FILE).exists():
        with _open_store(data_dir) as store:
            data = _read_status(store)
        if data and data["running"]:
            addrs = [a if "/p2p/" in a else f"{a}/p2p/{peer}" for a in data["listen_addrs"]]
    _emit({"peer_id": peer, "listen_addrs": addrs}, as_json, "\n".join([peer, *addrs]))


@cli.command()
@data_dir_option
@json_option
@click.option(
    "--limit",
    default=20,
    show_default=True,
    type=click.IntRange(1, 10_000),
    help="How many events to show.",
)
def events(data_dir: Path | None, as_json: bool, limit: int) -> None:
    """Show the node's most recent events, newest first."""
    with _open_store(data_dir) as store:
        rows = store.recent_events(limit)
    data = [
        {"ts_ms": e.ts_ms, "level": e.level, "kind": e.kind, "message": e.message} for e in rows
    ]
    text = "\n".join(
        f"{time.strftime('%H:%M:%S', time.localtime(e['ts_ms'] / 1000))} "
        f"{e['level']:7} {e['kind']:8} {e['message']}"
        for e in data
    )
    _emit(data, as_json, text or "no events yet")


def send_control(
    data_dir: Path | None, command: str, args: dict[str, Any], timeout: float = 10.0
) -> dict[str, Any]:
    """Queue an operator command for the running daemon and wait for its result."""
    from node.store import Store

    config = _config(data_dir)
    path = config.data_dir / STORE_FILE
    if not path.exists():
        raise UserError(f"no node store at {path}; start one with: byteswarm run")
    with Store.open(path) as store:
        control_id = store.enqueue_control(command, args)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            row = store.get_control(control_id)
            if row is not None and row.status in ("done", "failed"):
                if row.status == "failed":
                    raise UserError((row.result or {}).get("error", "command failed"))
                return dict(row.result or {})
            time.sleep(0.05)
    raise UserError(f"the node did not answer within {timeout:.0f} s; is `byteswarm run` up?")


@cli.command()
@data_dir_option
@json_option
@click.argument("text")
@click.option(
    "--value",
    type=float,
    default=0.0,
    show_default=True,
    help="A number carried with the note (NaN and inf are refused).",
)
@click.option(
    "--count",
    type=click.IntRange(1, 1_000_000),
    default=1,
    show_default=True,
    help="Publish this many numbered notes (a load test).",
)
@click.option(
    "--rate",
    type=click.FloatRange(0, 100_000),
    default=0.0,
    show_default=True,
    help="Notes per second with --count (0: as fast as commits allow).",
)
def publish(
    data_dir: Path | None, as_json: bool, text: str, value: float, count: int, rate: float
) -> None:
    """Publish signed notes on byteswarm/notes through the running node."""
    if value != value or value in (float("inf"), float("-inf")):
        raise UserError("--value must be a finite number")
    if len(text) > 1000:
        raise UserError("the note text is longer than 1000 characters")
    timeout = 10.0 + (count / rate if rate > 0 else count * 0.05)
    args = {"text": text, "value": value, "count": count, "rate": rate}
    result = send_control(data_dir, "publish", args, timeout=timeout)
    _emit(result, as_json, f"published {count} note(s) on {result['topic']} from #{result['seq']}")


def _register_commands() -> None:
    import node.adapt_cli
    import node.finetune_cli
    import node.rank_cli
    import node.run_cli  # noqa: F401  (each registers its commands on ``cli``)
    from export.cli import export  # imports no torch, onnx or onnxruntime until it runs
    from node.demo import demo

    cli.add_command(demo)
    cli.add_command(export)


_register_commands()


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="byteswarm")
