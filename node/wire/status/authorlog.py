"""The ``node`` section's parts about one author's log and clocks
(``node/runtime/equivocation.py``, ``recovery.py``, ``clock_watch.py``)."""

from __future__ import annotations

import msgspec

from node.wire.base import Finite


class EquivocationStatus(msgspec.Struct, kw_only=True):
    """Second, different records under one (topic, author, seq), counted per author."""

    authors: dict[str, int] = {}
    total: int = 0
    twin: str | None = None
    """Set when a record of our own key arrived that this node did not write: publishing
    is refused, and this says why."""


class RecoveryStatus(msgspec.Struct, kw_only=True):
    """Asking peers for our own newest records before the first publish."""

    state: str = "not needed"
    """"not needed", "asking", "done" or "no answer"."""
    answered: int = 0
    heads: dict[str, int] = {}
    """Topic -> the highest seq of ours a peer holds."""


class ClockStatus(msgspec.Struct, kw_only=True):
    """This node's clock against its peers'."""

    max_offset_s: Finite = 0.0
    offsets_s: dict[str, Finite] = {}
    """Peer -> its clock minus ours (median of recent samples)."""
    ahead_of: int = 0
    behind: int = 0
    correction_s: Finite = 0.0
    """What the finetune round clock adds to ours (voted by distinct hosts, bounded)."""
    hosts: int = 0
    """Distinct hosts (peer IPs) whose clocks voted on the correction."""
    refused_correction_s: Finite = 0.0
    """A correction the hosts agreed on beyond ``max_correction_s``: not applied."""
    max_correction_s: Finite = 0.0
    note: str | None = None
    """Set when this node's clock is off by more than ``max_offset_s``."""
