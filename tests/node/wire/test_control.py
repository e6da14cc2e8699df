"""Operator commands: one struct each, defaults in one place, rows decoded as before."""

from __future__ import annotations

import click
import pytest

from node.cli.rank import search
from node.cli.train import start
from node.wire import control
from node.wire.control import Command, TrainStart, command_args, decode_command, default_of

COMMANDS = sorted(Command.__subclasses__(), key=lambda c: c.command)
REQUIRED = {"run_id": "r1", "addr": "/ip4/127.0.0.1/tcp/1/p2p/x"}


def example(cls: type[Command]) -> Command:
    import msgspec

    needed = {
        f.name: REQUIRED[f.name]
        for f in msgspec.structs.fields(cls)
        if f.default is msgspec.NODEFAULT and f.default_factory is msgspec.NODEFAULT
    }
    return cls(**needed)


def test_every_command_has_a_unique_name() -> None:
    names = [c.command for c in COMMANDS]
    assert len(set(names)) == len(names) == 8
    assert {c.__name__ for c in COMMANDS} <= set(vars(control))


@pytest.mark.parametrize("cls", COMMANDS, ids=lambda c: c.command)
def test_a_row_round_trips(cls: type[Command]) -> None:
    command = example(cls)
    assert decode_command(cls, command_args(command)) == command


def test_missing_arguments_take_the_defaults_and_unknown_or_non_finite_ones_are_refused() -> None:
    command = decode_command(TrainStart, {"run_id": "r1", "rounds": "12"})
    assert command.rounds == 12 and command.probes == 8 and command.decay_floor == 0.1
    with pytest.raises(ValueError, match="colour"):
        decode_command(TrainStart, {"run_id": "r1", "colour": "red"})
    for bad in ("nan", float("inf"), float("-inf")):
        with pytest.raises(ValueError, match="learning_rate must be a finite number"):
            decode_command(TrainStart, {"run_id": "r1", "learning_rate": bad})
        with pytest.raises(ValueError, match="rate must be a finite number"):
            decode_command(control.Publish, {"rate": bad})
    with pytest.raises(ValueError, match=r"train_start: .*run_id"):
        decode_command(TrainStart, {})
    with pytest.raises(ValueError, match="search: Expected `int`"):
        decode_command(control.Search, {"k": "ten"})


def test_the_command_line_shows_the_commands_defaults() -> None:
    for command, cls in ((start, TrainStart), (search, control.Search)):
        for param in command.params:
            if isinstance(param, click.Option) and param.name in cls.__struct_fields__:
                if param.name in ("pull_every", "run_id"):  # shown in help text; required
                    continue
                assert param.default == default_of(cls, param.name), param.name
