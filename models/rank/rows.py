"""The records G-Rank works on: catalogue items, click rows and compact click counters."""

from __future__ import annotations

import re
from dataclasses import dataclass

_TOKEN = re.compile(r"[0-9a-z]+")


@dataclass(frozen=True, slots=True)
class Item:
    """One catalogue entry; ``tags`` are free-text labels matched like the title."""

    id: str
    title: str
    artist: str
    tags: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ClickRow:
    """One click: ``author`` clicked ``clicked`` after searching ``query`` and seeing ``shown``.

    ``(author, seq)`` is the row's natural key; the author signs it (the signature lives in
    the node's wire format, not here).
    """

    author: str
    seq: int
    query: str
    shown: tuple[str, ...]
    clicked: str
    ts: float
    position: int = 0
    """1-based rank of ``clicked`` on the page the user saw, 0 when unknown; rows may carry
    the page in ``shown`` instead (older click records): see ``page_position``."""

    def page_position(self) -> int:
        """The clicked item's 1-based rank on the page: ``position``, else read from ``shown``
        (0 when neither says)."""
        if self.position > 0:
            return self.position
        return self.shown.index(self.clicked) + 1 if self.clicked in self.shown else 0


@dataclass(frozen=True, slots=True)
class CounterRow:
    """Compact gossip unit: ``author`` has clicked ``item`` for ``query`` ``count`` times so far.

    Counts only grow, so a receiver merges by maximum (a grow-only counter per author);
    ``ts`` is the time of the author's latest click counted here.
    """

    author: str
    query: str
    item: str
    count: int
    ts: float


def normalise_query(text: str) -> str:
    """Lower-case and collapse whitespace, so that 'Jazz  ' and 'jazz' are one query."""
    if text.islower() and " " not in text and text.isprintable():
        return text  # already normal: the common case for gossiped rows
    return " ".join(text.lower().split())


def tokens(text: str) -> list[str]:
    """Alphanumeric lower-case tokens, for BM25 and for the similarity's query terms."""
    return _TOKEN.findall(text.lower())
