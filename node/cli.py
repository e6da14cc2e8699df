"""The ``byteswarm`` command line: the group every command registers on, and ``main``.

Every command takes ``--data-dir`` (or ``BYTESWARM_DATA_DIR``); commands that print data
take ``--json``. Errors are one line on stderr and exit code 2, never a traceback (see
``node.cli_support``). The commands live in the ``*_cli`` modules, one noun each.
"""

from __future__ import annotations

import sys

import click

from node.cli_support import UserError
from node.control_client import send_control
from node.store_rows import StoreError

__all__ = ["UserError", "cli", "main", "send_control"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="byteswarm")
def cli() -> None:
    """byteswarm: learn together on edge devices, without a central server."""


def _register_commands() -> None:
    import node.adapt_cli
    import node.finetune_cli
    import node.node_cli
    import node.notes_cli
    import node.rank_cli
    import node.run_cli  # noqa: F401  (each registers its commands on ``cli``)
    from export.cli import export  # imports no torch, onnx or onnxruntime until it runs
    from node.demo.command import demo

    cli.add_command(demo)
    cli.add_command(export)


_register_commands()


def main() -> None:
    """Console-script entry point: a path, OS or store error nobody caught is still one
    line."""
    try:
        cli(prog_name="byteswarm")
    except OSError as exc:  # click re-raises every OSError but a broken pipe
        where = f"{exc.filename}: " if exc.filename else ""
        click.echo(f"error: {where}{exc.strerror or exc}", err=True)
        sys.exit(2)
    except StoreError as exc:  # a store error is a one-line message (full, busy, damaged)
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
