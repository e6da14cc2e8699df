"""``byteswarm tui``: the operator app (package ``tui``) on this node's store.

The only import from ``node`` up into ``tui``, made when the command runs (an exception
in the layers contract, pyproject.toml): ``byteswarm run`` and every other command never
load textual.
"""

from __future__ import annotations

from pathlib import Path

import click

from node.cli.common import UserError, cli_config, data_dir_option
from node.config.settings import STORE_FILE
from node.store.rows import StoreError


@click.command()
@data_dir_option
@click.option(
    "--read-only",
    is_flag=True,
    help="Watch only: hide every action that sends the node a command (search, publish).",
)
def tui(data_dir: Path | None, read_only: bool) -> None:
    """Open the operator app on the node's store: overview, peers, search, publish (q quits;
    ? lists the keys)."""
    config = cli_config(data_dir)
    path = config.data_dir / STORE_FILE
    if not path.is_file():
        raise UserError(f"no node store at {path}; start one with: byteswarm run")
    try:
        from tui.app import run_app
    except ImportError as exc:  # the [tui] extra is not installed
        raise UserError(f"the TUI needs textual: pip install 'byteswarm[tui]' ({exc})") from exc
    try:
        run_app(config.data_dir, path, read_only=read_only)
    except StoreError as exc:
        raise UserError(str(exc)) from exc
