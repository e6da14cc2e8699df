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

MAX_NODES = 9
"""Tabs the app gives keys to (1-9)."""


def stores_in(data_dir: Path) -> list[tuple[Path, Path]]:
    """(data dir, store) for ``data_dir``, or for each node folder of a demo root (a folder
    whose subfolders hold stores)."""
    store = data_dir / STORE_FILE
    if store.is_file():
        return [(data_dir, store)]
    if data_dir.is_dir():
        nodes = sorted(p for p in data_dir.iterdir() if (p / STORE_FILE).is_file())
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
def tui(data_dirs: tuple[Path, ...], read_only: bool) -> None:
    """Open the operator app on the node's store: overview, peers, events, search, training,
    adapt, models (q quits; ? lists the keys; Ctrl+P finds any action)."""
    found: list[tuple[Path, Path]] = []
    for data_dir in data_dirs or (None,):
        found += stores_in(cli_config(data_dir).data_dir)
    if len(found) > MAX_NODES:
        raise UserError(f"{len(found)} nodes: the app opens at most {MAX_NODES}")
    try:
        from tui.app import run_app
    except ImportError as exc:  # the [tui] extra is not installed
        raise UserError(f"the TUI needs textual: pip install 'byteswarm[tui]' ({exc})") from exc
    try:
        run_app(found, read_only=read_only)
    except StoreError as exc:
        raise UserError(str(exc)) from exc
