"""What every ``byteswarm`` command shares: the one-line error, the common options, the
config and store it reads, and whether a node is running in a data dir.

Errors are one line on stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast

import click
import msgspec

from node.config.errors import ConfigError
from node.config.settings import DATA_DIR_ENV, STORE_FILE, NodeConfig, load_config
from node.runtime.lock import holder
from node.wire.control import Command, default_of
from node.wire.status.codec import StatusError, decode_section
from node.wire.status.node import NodeStatus

if TYPE_CHECKING:
    from node.store.database import Store

STALE_AFTER_S = 5.0
"""A status snapshot older than this does not count as a running node."""


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
F = TypeVar("F", bound=Callable[..., Any])

json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")

config_option = click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="TOML config file (every key optional; unknown keys are an error).",
)
"""``--config PATH``: the node's TOML config (``byteswarm run`` and the commands that must
act as the daemon would, e.g. offline ``search`` with its ``[rank] preset``). No default
location: without it every key has its default."""


class FiniteRange(click.FloatRange):
    """``click.FloatRange`` that also refuses NaN and infinity (NaN compares false with
    every bound, so a plain FloatRange lets it through)."""

    name = "float range"  # the metavar stays FLOAT RANGE

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        number = super().convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number.", param, ctx)
        return number


def command_option(command: type[Command], field: str, *decls: str, **kw: Any) -> Callable[[F], F]:
    """A ``click.option`` for ``command``'s ``field``: its default, shown in ``--help``."""
    return click.option(*decls, default=default_of(command, field), show_default=True, **kw)


def limit_option(what: str) -> Callable[[F], F]:
    """``--limit``: how many of ``what`` a listing shows (20 by default)."""
    return click.option(
        "--limit",
        default=20,
        show_default=True,
        type=click.IntRange(1, 10_000),
        help=f"How many {what} to show.",
    )


def cli_config(data_dir: Path | None, config_path: Path | None = None, **kw: Any) -> NodeConfig:
    """The node config for a command; a bad one (or a data dir under a file) is a UserError."""
    try:
        config = load_config(config_path, data_dir=data_dir, **kw)
    except ConfigError as exc:
        raise UserError(str(exc)) from exc
    check_dir_path(config.data_dir)
    return config


def check_dir_path(path: Path) -> None:
    """UserError if ``path`` or its nearest existing ancestor is not a directory."""
    for part in (path, *path.parents):
        if part.exists():
            if part.is_dir():
                return
            if part == path:
                raise UserError(f"data dir {path} is not a directory")
            raise UserError(f"data dir {path} is not writable: {part} is a file")
        # a part that does not exist: its parent decides


def open_store(data_dir: Path | None, *, writable: bool = False) -> Any:
    """The node's store, the one way a command opens it: read-only (UserError if there is
    none), or ``writable`` (created if there is none; the offline rank commands and the
    control table). UserError if it cannot be opened."""
    from node.store.database import Store, StoreError

    config = cli_config(data_dir)
    path = config.data_dir / STORE_FILE
    if not writable and not path.exists():
        raise UserError(f"no node store at {path}; start one with: byteswarm run")
    try:
        return Store.open(path, readonly=not writable)
    except StoreError as exc:
        raise UserError(str(exc)) from exc


def node_running(data_dir: Path | None) -> bool:
    """Whether a node runs in the data dir and has said so (a fresh status snapshot)."""
    config = cli_config(data_dir)
    if not (config.data_dir / STORE_FILE).exists():
        return False
    with open_store(data_dir) as store:
        status = read_status(store, config.data_dir)
    return bool(status and status.running)


def emit(data: Any, as_json: bool, text: str) -> None:
    click.echo(json.dumps(data, indent=2, sort_keys=True) if as_json else text)


def node_pid(data_dir: Path) -> int | None:
    """The pid of the daemon running in ``data_dir`` (0: starting, pid not written yet), or
    None if no daemon holds the data dir's lock."""
    return holder(data_dir)


def no_node_error(data_dir: Path) -> UserError:
    return UserError(
        f"no node is running in {data_dir} (start it with: byteswarm run --data-dir {data_dir})"
    )


def read_section(store: Store, name: str) -> tuple[int, Any] | None:
    """(ts_ms, the status section ``name`` decoded with its struct) or None if never
    written; a section that breaks its type is a UserError naming the field."""
    found = store.read_status(name)
    if found is None:
        return None
    try:
        return found[0], decode_section(name, found[1])
    except StatusError as exc:
        raise UserError(str(exc)) from exc


def read_status(store: Store, data_dir: Path | None = None) -> NodeStatus | None:
    """The node's last status snapshot with ``age_s`` and ``running``: running means a
    fresh snapshot that says so and, if ``data_dir`` is given, written by the live process
    holding the data dir's lock (a daemon killed mid-run leaves a snapshot that still says
    running)."""
    found = read_section(store, NodeStatus.SECTION)
    return None if found is None else as_read(cast(NodeStatus, found[1]), found[0], data_dir)


def as_read(status: NodeStatus, ts_ms: int, data_dir: Path | None) -> NodeStatus:
    """``status`` (written at ``ts_ms``) with the reader's ``age_s`` and ``running``."""
    age_s = round(time.time() - ts_ms / 1000, 1)
    running = status.running and age_s < STALE_AFTER_S
    if data_dir is not None:
        pid = node_pid(data_dir)
        # a restarted node holds the lock before it writes its first snapshot
        if pid is None or (pid and status.pid and status.pid != pid):
            running = False
    return msgspec.structs.replace(status, age_s=age_s, running=running)
