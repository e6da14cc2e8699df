"""The ``byteswarm`` command line: the top-level group, the commands it registers, ``main``.

Every command takes ``--data-dir`` (or ``BYTESWARM_DATA_DIR``); commands that print data
take ``--json``. Errors are one line on stderr and exit code 2, never a traceback (see
``node.cli.common``). The commands live in one module per command group; this module
imports them and registers each on the group, and nothing imports this module back.
"""

from __future__ import annotations

import errno
import functools
import os
import sys
from collections.abc import Sequence
from typing import Any

import click

from export.cli import export  # imports no torch, onnx or onnxruntime until it runs
from node.cli.adapt import adapt
from node.cli.demo.command import demo
from node.cli.history import history
from node.cli.node import events, id_, peers, status, stop
from node.cli.notes import notes, publish
from node.cli.rank import click_, items, pass_, search
from node.cli.run import run
from node.cli.train import train
from node.cli.tui import tui
from node.store.rows import StoreError


class OneLineErrors(click.Group):
    """The top-level group, run as click's standalone mode would, except that a usage
    error (a missing argument, an unknown option, a bad value) is one line on stderr
    naming the command and its ``--help``, exit code 2 (click prints three)."""

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        run = functools.partial(
            super().main, args, prog_name, complete_var, standalone_mode=False, **extra
        )
        if not standalone_mode:
            return run()
        try:
            code: Any = run()
        except click.UsageError as exc:
            where = exc.ctx.command_path if exc.ctx is not None else "byteswarm"
            click.echo(f"error: {exc.format_message()} (see '{where} --help')", err=True)
            sys.exit(exc.exit_code)
        except click.ClickException as exc:
            exc.show()
            sys.exit(exc.exit_code)
        except click.Abort:
            click.echo("Aborted!", err=True)
            sys.exit(1)
        except OSError as exc:
            if exc.errno != errno.EPIPE:
                raise
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115  (as click does: no second EPIPE)
            sys.exit(1)
        sys.exit(code if isinstance(code, int) else 0)


@click.group(cls=OneLineErrors, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="byteswarm")
def cli() -> None:
    """byteswarm: learn together on edge devices, without a central server."""


for command in (
    run,
    status,
    id_,
    stop,
    peers,
    events,
    history,
    publish,
    notes,
    search,
    click_,
    pass_,
    items,
    train,
    adapt,
    demo,
    export,
    tui,
):
    cli.add_command(command)


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
