"""Operator commands: what a row of the control table asks the daemon, typed.

A control row holds a command name and its arguments as a JSON object; each command is a
struct here with its defaults in this one place. The CLI (and next the TUI) builds one and
queues ``command_args(cmd)`` under ``cmd.command``; the daemon and the services decode the
row's arguments into the same struct (``decode_command``: missing keys take the defaults,
unknown keys and NaN/infinity are refused, numbers given as strings are converted). Plain data:
importing this module loads msgspec only.
"""

from __future__ import annotations

import math
from typing import Any, ClassVar, TypeVar

import msgspec


class Command(msgspec.Struct, kw_only=True, frozen=True, forbid_unknown_fields=True):
    """An operator command; ``command`` is its name in the control table. A row with a key
    the command does not have, or a number that is NaN or infinite, is refused."""

    command: ClassVar[str]


C = TypeVar("C", bound=Command)


def decode_command(cls: type[C], args: dict[str, Any]) -> C:
    """The command ``args`` describe; ValueError names a bad or missing argument."""
    try:
        command = msgspec.convert(args, cls, strict=False)
    except msgspec.ValidationError as exc:
        raise ValueError(f"{cls.command}: {exc}") from exc
    for name in command.__struct_fields__:
        value = getattr(command, name)
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError(f"{cls.command}: {name} must be a finite number, not {value}")
    return command


def command_args(command: Command) -> dict[str, Any]:
    """The JSON object a control row carries for ``command`` (every field, defaults too)."""
    args: dict[str, Any] = msgspec.to_builtins(command)
    return args


def default_of(cls: type[Command], name: str) -> Any:
    """The default of field ``name`` of ``cls`` (for the CLI's ``--help``)."""
    for info in msgspec.structs.fields(cls):
        if info.name == name:
            if info.default is msgspec.NODEFAULT:
                raise KeyError(f"{cls.__name__}.{name} has no default")
            return info.default
    raise KeyError(f"{cls.__name__} has no field {name!r}")


# -- the node ---------------------------------------------------------------------------


class Publish(Command, frozen=True):
    """``byteswarm publish``: signed notes on ``byteswarm/notes``."""

    command: ClassVar[str] = "publish"
    text: str = ""
    value: float = 0.0
    count: int = 1
    """Notes to publish, numbered when more than one (a load test)."""
    rate: float = 0.0
    """Notes per second with ``count`` (0: as fast as commits allow)."""


class Connect(Command, frozen=True):
    """Dial a peer (a multiaddr with ``/p2p/<peer id>``)."""

    command: ClassVar[str] = "connect"
    addr: str


# -- rank -------------------------------------------------------------------------------


class Search(Command, frozen=True):
    """``byteswarm search``: rank the catalogue for ``query`` (then pull from one peer)."""

    command: ClassVar[str] = "search"
    query: str = ""
    k: int = 10
    explore: bool = False


class Click(Command, frozen=True):
    """``byteswarm click``: a signed click row, ``item`` clicked for ``query``."""

    command: ClassVar[str] = "click"
    query: str = ""
    item: str = ""
    shown: list[str] = []
    """The page the click was on, in rank order (empty: just the item)."""


# -- finetune ---------------------------------------------------------------------------


class TrainStart(Command, frozen=True):
    """``byteswarm train start``: announce a run (``node.finetune.spec.new_spec``).

    η, probes and decay are the setting chosen on the validation split
    (bench/results/spsa_tune_probes.json) and measured on the test split (README: 91.0 %
    independent, 90.8 % shared; 4 peers, 300 rounds, MiniLM).
    """

    command: ClassVar[str] = "train_start"
    run_id: str
    model: str = "tiny"
    mode: str = "shared"
    rounds: int = 100
    round_seconds: float = 2.0
    checkpoint_every: int = 10
    learning_rate: float = 3e-2
    epsilon: float = 1e-3
    batch: int = 8
    probes: int = 8
    decay_floor: float = 0.1
    screen: bool | None = None
    """None: on in shared mode, off in independent mode."""
    grads_by: str = "gossip"
    pull_every: int = 8
    """Rounds between pulls of a run's records when they travel by sync (``grads_by`` pull)."""
    delay_seconds: float = 3.0
    """How long after the announcement round 0 starts."""
    initial_scale: float = 0.05


class TrainStop(Command, frozen=True):
    """``byteswarm train stop``: stop contributing to a run (keep following it)."""

    command: ClassVar[str] = "train_stop"
    run_id: str = ""


# -- adapt ------------------------------------------------------------------------------


class AdaptStart(Command, frozen=True):
    """``byteswarm adapt start``: adapt within ``samples`` and ``minutes`` (None: no limit)."""

    command: ClassVar[str] = "adapt_start"
    samples: int | None = None
    minutes: float | None = None


class AdaptStop(Command, frozen=True):
    """``byteswarm adapt stop``."""

    command: ClassVar[str] = "adapt_stop"
