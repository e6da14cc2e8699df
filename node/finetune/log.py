"""A run's record log as a replica takes it: the one rule for which records count.

The live service (tailing its store) and ``train verify`` (replaying a store offline) both
hand a run's stored records to ``take`` in store order (the ``records.cursor``, i.e. the
order this node received them), so both count the same records:

- a grad is offered to the replica (``RunState.offer``);
- an announcement is held (the latest of each peer wins), and then the checkpoint it names
  is settled at once if the replica has closed it. From the moment that checkpoint is
  final (a majority announced our hash), records for rounds before it are refused and held
  back: the majority's θ did not include them. They come back if that finality is revoked.

Before this rule was shared, ``train verify`` never settled finality and replayed every
record, so a record that reached the live nodes after its checkpoint was final (a peer
SIGKILLed and restarted, whose gossip came back late) moved the replayed hashes away from
the announced ones (issue 17).
"""

from __future__ import annotations

from collections.abc import Iterable

from node import wire
from node.finetune.run import RunState

Stored = tuple[int, wire.SignedRecord]
"""(store cursor, record): the cursor orders records by their arrival at this node."""


def grads_topic(run_id: str) -> str:
    return f"{wire.GRADS_TOPIC}/{run_id}"


def hashes_topic(run_id: str) -> str:
    return f"{wire.HASHES_TOPIC}/{run_id}"


def in_store_order(grads: Iterable[Stored], hashes: Iterable[Stored]) -> list[Stored]:
    """Both topics' records of a run merged into the order this node stored them."""
    return sorted([*grads, *hashes], key=lambda stored: stored[0])


def take(state: RunState, records: Iterable[wire.SignedRecord], closed: bool = True) -> None:
    """Hold a run's stored records in the order given (see the module's docstring).

    ``closed=False`` (``train verify``, which has no clock) first closes the rounds up to an
    announced checkpoint: a live node has closed it by then, since a checkpoint is announced
    a round after it closes.
    """
    run_id = state.spec.run_id
    for record in records:
        author = wire.peer_id_str(record.author)
        if record.topic == grads_topic(run_id):
            grad = wire.decode_grad(record.body)
            if grad.round != record.seq:  # seq = round keeps one record per (run, round, author)
                state.refused += 1
                continue
            state.offer(author, grad)
        elif record.topic == hashes_topic(run_id):
            announced = wire.decode_theta_hash(record.body)
            if announced.run_id != run_id:
                continue
            state.announce(author, record.seq, announced.round, announced.sha256)
            checkpoint = min(announced.round, state.spec.rounds)
            if not closed and state.replica.round < checkpoint:
                state.advance_to(checkpoint)
            if checkpoint <= state.replica.round:
                state.settle(checkpoint)
