"""A simulated G-Rank peer: its click log, what it has learned of the network, and the
``RankIndex`` it serves from (rebuilt on click-rate drift, as the daemon's ``IndexTail``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from models.rank.click_rate import ClickRate, drifted
from models.rank.config import RankConfig
from models.rank.index import RankIndex
from models.rank.rows import ClickRow, Item
from models.rank.wire_size import array_header_bytes


def peer_id(n: int) -> str:
    """As long as a libp2p Ed25519 peer id, so byte counts are realistic."""
    return f"12D3KooW{n:044d}"


@dataclass
class SimNode:
    number: int
    index: RankIndex
    honest: bool = True
    log: list[ClickRow] = field(default_factory=list)
    by_author: dict[str, list[ClickRow]] = field(default_factory=dict)
    cursors: dict[int, int] = field(default_factory=dict)
    known: list[int] = field(default_factory=list)
    raw: dict[str, dict[str, int]] = field(default_factory=dict)
    """Raw click counts per query: kept only on evaluated nodes (the distance metric)."""
    track_raw: bool = False
    vector: dict[str, int] = field(default_factory=dict)
    log_bytes: list[int] = field(default_factory=lambda: [0])
    """log_bytes[n]: encoded bytes of log[:n], so a cursor response's size is one subtraction."""
    preset: RankConfig | None = None
    """The config asked for, when its half-life counts click rows: converted with the rate
    this node has seen and rebuilt on drift, as the daemon's ``IndexTail`` does."""
    items: Sequence[Item] = ()
    catalogue_ids: frozenset[str] | None = None
    """The ids of ``items`` when this peer knows only part of the world's catalogue."""
    rate: ClickRate = field(default_factory=ClickRate)
    rebuilds: int = 0

    def learn(self, other: int) -> None:
        if other != self.number and other not in self.known:
            self.known.append(other)

    def missing_for(self, vector: dict[str, int]) -> list[ClickRow]:
        """The rows a requester holding ``vector`` lacks (what any cursor batch adds to it)."""
        missing: list[ClickRow] = []
        for author, rows in self.by_author.items():
            missing.extend(rows[vector.get(author, -1) + 1 :])
        return missing

    def receive(self, fresh: list[ClickRow], sizes: dict[tuple[str, int], int]) -> None:
        """Store rows not held yet (callers pass only those) and feed them to the index;
        ``sizes`` holds every row's encoded bytes."""
        total = self.log_bytes[-1]
        for row in fresh:
            self.by_author.setdefault(row.author, []).append(row)
            self.vector[row.author] = row.seq
            total += sizes[(row.author, row.seq)]
            self.log_bytes.append(total)
            if self.track_raw and row.clicked:
                counts = self.raw.setdefault(row.query, {})
                counts[row.clicked] = counts.get(row.clicked, 0) + 1
        self.log.extend(fresh)
        if self.preset is None:
            self.index.add_rows(fresh)
            return
        self.rate.observe(row.ts for row in fresh)
        wanted = self.rate.config_for(self.preset)
        if drifted(self.index.config, wanted):
            self.index = RankIndex(self.index.self_id, wanted, self.items)
            self.index.add_rows(self.log)
            self.rebuilds += 1
        else:
            self.index.add_rows(fresh)

    def cursor_bytes(self, start: int) -> int:
        """Encoded bytes of the batch ``log[start:]`` (what the paper's cursor sends)."""
        return (
            array_header_bytes(len(self.log) - start) + self.log_bytes[-1] - self.log_bytes[start]
        )
