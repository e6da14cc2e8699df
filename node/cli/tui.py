"""``byteswarm tui``: the operator app (package ``tui``) on one node's store or several.

The only import from ``node`` up into ``tui``, made when the command runs (an exception
in the layers contract, pyproject.toml): ``byteswarm run`` and every other command never
load textual.
"""

from __future__ import annotations

from pathlib import Path

import click

from node.cli.common import UserError, cli_config
from node.config.settings import DATA_DIR_ENV, STORE_FILE
from node.store.rows import StoreError

DEFAULT_PORT = 8566
"""Where ``--serve`` listens unless told (127.0.0.1 only)."""
MAX_NODES = 9
"""Tabs the app gives keys to (1-9)."""


def stores_in(data_dir: Path) -> list[tuple[Path, Path]]:
    """(data dir, store) for ``data_dir``, or for each node folder of a demo root (its
    ``nodes/*/``, as ``byteswarm demo --keep`` leaves them, or any ``*/`` with a store)."""
    store = data_dir / STORE_FILE
    if store.is_file():
        return [(data_dir, store)]
    for parent in (data_dir / "nodes", data_dir):
        if parent.is_dir():
            nodes = sorted(p for p in parent.iterdir() if (p / STORE_FILE).is_file())
            if nodes:
                return [(p, p / STORE_FILE) for p in nodes]
    raise UserError(f"no node store at {store}; start one with: byteswarm run")


@click.command()
@click.option(
    "--data-dir",
    "data_dirs",
    multiple=True,
    type=click.Path(file_okay=False, path_type=Path),
    envvar=DATA_DIR_ENV,
    help=f"A node data directory, or a demo's root (one tab per node); repeat for more"
    f" (up to {MAX_NODES}). Env: {DATA_DIR_ENV}.",
)
@click.option(
    "--read-only",
    is_flag=True,
    help="Watch only: hide every action (search, publish, training, adapt, export, start/stop).",
)
@click.option(
    "--serve",
    is_flag=True,
    help="Serve the app to a browser on 127.0.0.1 (textual-serve) instead of this terminal.",
)
@click.option(
    "--port",
    type=click.IntRange(1, 65535),
    default=DEFAULT_PORT,
    show_default=True,
    help="The port --serve listens on (127.0.0.1 only).",
)
def tui(data_dirs: tuple[Path, ...], read_only: bool, serve: bool, port: int) -> None:
    """Open the operator app on the node's store: overview, peers, events, search, training,
    adapt, models (q quits; ? lists the keys; Ctrl+P finds any action)."""
    found: list[tuple[Path, Path]] = []
    for data_dir in data_dirs or (None,):
        found += stores_in(cli_config(data_dir).data_dir)
    if len(found) > MAX_NODES:
        raise UserError(f"{len(found)} nodes: the app opens at most {MAX_NODES}")
    try:
        from tui.app import run_app
        from tui.serve import serve as serve_app

        if serve:
            import textual_serve  # noqa: F401
    except ImportError as exc:  # the [tui] extra is not installed
        raise UserError(f"the TUI needs {exc.name}: pip install 'byteswarm[tui]'") from exc
    if port != DEFAULT_PORT and not serve:
        raise UserError("--port is for --serve")
    if serve:
        click.echo(f"serving the app on http://127.0.0.1:{port} (Ctrl+C stops)", err=True)
        serve_app([d for d, _ in found], read_only=read_only, port=port)
        return
    try:
        run_app(found, read_only=read_only)
    except StoreError as exc:
        raise UserError(str(exc)) from exc
