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
from typing import Annotated, Any, ClassVar, TypeVar

import msgspec

from node.wire.base import Finite


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
    explain: bool = False
    """Add each result's score breakdown and the most trusted peers (``SearchAnswer``)."""


MAX_RESULTS = 1000
"""Results (and popular items) a search answer may carry (``byteswarm search -k`` max)."""
MAX_TEXT_CHARS = 1024
"""A title or artist in an answer (the daemon cuts longer ones)."""
MAX_TOP_PEERS = 3
"""Peers named per result in a score breakdown."""
MAX_TRUSTED = 8
"""Trusted peers a search answer names."""

Name = Annotated[str, msgspec.Meta(max_length=MAX_TEXT_CHARS)]
PeerName = Annotated[str, msgspec.Meta(min_length=1, max_length=128)]
Count = Annotated[int, msgspec.Meta(ge=0, le=2**31)]


class Answer(msgspec.Struct, kw_only=True, frozen=True, forbid_unknown_fields=True):
    """Part of a command's answer read back from the control table: unknown fields, NaN
    or infinity, oversize lists and strings are refused (``decode_search_answer``)."""


class PeerShare(Answer, frozen=True):
    """One peer's part of a result's click score."""

    peer: PeerName
    weight: Finite
    """Its similarity weight ``S_i(j) + F`` (0 below the trust floor)."""
    share: Finite
    """Its decayed, capped click on the item times ``weight``."""


class ScoreBreakdown(Answer, frozen=True):
    """Where a result's place came from (``models.rank.explain``): results that match the
    query's text rank first, by ``clicks`` (``attractiveness`` with ``byteswarm_v3``) then
    ``bm25``; click-only results follow by ``clicks``. ``own + peers == clicks``."""

    clicks: Finite
    own: Finite
    """This node's clicks for the query on the item (weight 1 + F)."""
    peers: Finite
    """Every peer's clicks, each times its similarity weight."""
    bm25: Finite
    """The metadata (title, artist, tags) match; 0 when only clicks brought it in."""
    matched: bool
    served_rank: Annotated[int, msgspec.Meta(ge=1)]
    """Where the served ranking puts it; another than ``rank`` when exploration swapped it."""
    top_peers: Annotated[list[PeerShare], msgspec.Meta(max_length=MAX_TOP_PEERS)] = []
    attractiveness: Finite | None = None
    """With ``byteswarm_v3`` (skips as evidence): what text matches are sorted by instead
    of ``clicks``: (clicks + prior) / (clicks + skips + strength)."""
    skips: Finite | None = None
    """With ``byteswarm_v3``: the similarity-weighted votes of users who passed it over."""


class SearchResult(Answer, frozen=True):
    rank: Annotated[int, msgspec.Meta(ge=1)]
    id: Annotated[str, msgspec.Meta(min_length=1, max_length=128)]
    title: Name
    artist: Name
    explored: bool = False
    """Exploration swapped it here (``Search.explore``)."""
    score: ScoreBreakdown | None = None


class TrustedPeer(Answer, frozen=True):
    """A peer whose clicks weigh most here, and why (the similarity's inputs)."""

    peer: PeerName
    weight: Finite
    similarity: Finite
    """``S_i(j)``: (shared terms + shared items²) / items of either, the most similar 1."""
    shared_terms: Count
    shared_items: Count
    union_items: Count


class SearchAnswer(Answer, frozen=True):
    """The answer to ``Search``: ``results`` (matches only) or, when nothing matches,
    ``popular`` (to be shown as such, never as results); with ``explain``, every result's
    ``score`` and the ``trusted`` peers."""

    query: Annotated[str, msgspec.Meta(max_length=4096)] = ""
    results: Annotated[list[SearchResult], msgspec.Meta(max_length=MAX_RESULTS)] = []
    popular: Annotated[list[SearchResult], msgspec.Meta(max_length=MAX_RESULTS)] = []
    trusted: Annotated[list[TrustedPeer], msgspec.Meta(max_length=MAX_TRUSTED)] = []


def decode_search_answer(answer: dict[str, Any]) -> SearchAnswer:
    """A search answer as the control table holds it; ValueError names what is wrong."""
    try:
        return msgspec.convert(answer, SearchAnswer)
    except msgspec.ValidationError as exc:
        raise ValueError(f"search answer: {exc}") from exc


class Click(Command, frozen=True):
    """``byteswarm click``: a signed click row, ``item`` clicked for ``query``; ``byteswarm
    pass``: no ``item``, the page ``shown`` passed over without a click."""

    command: ClassVar[str] = "click"
    query: str = ""
    item: str = ""
    shown: list[str] = []
    """The page the click was on, in rank order (empty: just the item; required when no
    item was clicked)."""


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
