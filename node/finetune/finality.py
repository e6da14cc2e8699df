"""Checkpoint finality: a majority of a run's members announced one θ hash for a checkpoint.

Members of checkpoint c are the authors of records in the C rounds before it plus every
peer that announced a hash for c (so a node that only sees itself cannot finalise alone).
A hash is final once at least two members, and more than half of them, announced it.

After that, records for rounds before c are refused (they would rewrite agreed history),
and a replica whose own θ at c differs adopts the majority's checkpoint: θ_c and its
scales from a peer (checked against the final hash), plus the records of the rounds just
before c that later scales and screening read, selected from our own store by the keys
the peer lists; our records from round c on are replayed on top.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping

from models.spsa.engine import Record
from models.spsa.replica import Checkpoint, Replica

WindowKey = tuple[int, str]
"""(round, author) of one record a checkpoint's later rounds depend on."""


def history_rounds(replica: Replica) -> int:
    """Rounds before a checkpoint whose records later rounds still read."""
    return replica.config.history_rounds


def members(replica: Replica, checkpoint: int, announced: Mapping[str, bytes]) -> set[str]:
    every = replica.config.checkpoint_every
    authors = {
        author
        for r in range(max(0, checkpoint - every), checkpoint)
        for author in replica.log.get(r, {})
    }
    return authors | set(announced)


def majority_hash(
    replica: Replica, checkpoint: int, announced: Mapping[str, bytes]
) -> bytes | None:
    """The hash a majority of checkpoint ``checkpoint``'s members announced, if any."""
    voters = members(replica, checkpoint, announced)
    counts = Counter(announced.values())
    if not counts:
        return None
    sha256, votes = counts.most_common(1)[0]
    return sha256 if votes >= 2 and 2 * votes > len(voters) else None


def window_keys(replica: Replica, checkpoint: int) -> list[WindowKey]:
    """The records of the rounds just before ``checkpoint`` that our later rounds read."""
    start = max(0, checkpoint - history_rounds(replica))
    return sorted(
        (r, author) for r in range(start, checkpoint) for author in replica.log.get(r, {})
    )


def adopted(
    old: Replica,
    checkpoint: Checkpoint,
    window: Iterable[WindowKey],
    held_back: Mapping[WindowKey, Record] | None = None,
) -> tuple[Replica | None, str]:
    """A replica rebuilt on a final checkpoint, or (None, why not yet).

    The window's records must all be held already, in ``old``'s log or among the records
    we refused after our own (raced) finality (sync brings them; they are signed, so only
    their selection comes from the peer); records of ``old`` from the checkpoint's round
    on are offered again, so nothing of ours after c is lost.
    """
    spare = held_back or {}

    def held(key: WindowKey) -> Record | None:
        return old.log.get(key[0], {}).get(key[1]) or spare.get(key)

    keys = list(window)
    missing = [key for key in keys if held(key) is None]
    if missing:
        return None, f"{len(missing)} window record(s) not held yet, e.g. {missing[0]}"
    fresh = Replica.from_checkpoint(old.config, old.layout, checkpoint)
    records: list[Record] = [record for key in keys if (record := held(key)) is not None]
    records += [
        rec for r, held in old.log.items() if r >= checkpoint.round for rec in held.values()
    ]
    for record in records:
        reason = fresh.offer(record)
        if reason is not None:
            return None, f"record {record.round}/{record.author} refused: {reason}"
    fresh.run_to(max(old.round, checkpoint.round))
    return fresh, "adopted"
