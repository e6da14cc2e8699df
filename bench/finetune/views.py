"""Each simulated peer's stale view of θ under the daemon's "pull" transport.

With ``pull_every = K`` a node commits its own record every round and pulls the other
peers' records only at rounds r with r % K == 0 (r > 0), before computing its codes for r
(node/finetune_service.py ``_drive``). So when it computes round r's codes its replica holds
everyone's records for the rounds before r0 = K·⌊r/K⌋ and only its own for r0..r−1, which it
closed with that record alone; its scale s_r comes from that same partial log.

Instead of replaying late records as a node does, a view restarts at every pull round from
the shared replica (which holds every record) through ``Replica.from_checkpoint`` plus the
records of the rounds the next scales still read, then closes each round with its own
record only: the same log as the node's, so the same θ and scale (tests compare the two).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from models.spsa.engine import FloatArray, Record, RoundState
from models.spsa.replica import Checkpoint, Replica


def pulls_at(round_index: int, pull_every: int) -> bool:
    """Whether a node pulls the other peers' records before computing this round's codes."""
    return round_index > 0 and round_index % pull_every == 0


def replica_copy(shared: Replica) -> Replica:
    """A replica at ``shared``'s round with its θ, scales and the records later rounds read."""
    checkpoint = Checkpoint(shared.round, shared.theta.copy(), tuple(shared.scales))
    view = Replica.from_checkpoint(shared.config, shared.layout, checkpoint)
    first = max(0, shared.round - shared.config.history_rounds)
    for round_index in range(first, shared.round):
        for record in shared.log.get(round_index, {}).values():
            view.offer(record)
    view.catch_up()  # the offers above mark it stale from the checkpoint: a no-op restore
    return view


class PeerViews:
    """The replicas of peers that pull every ``pull_every`` rounds, kept in step with a
    shared replica that receives every record as soon as it is made."""

    def __init__(self, shared: Replica, authors: Sequence[str], pull_every: int) -> None:
        if pull_every < 1:
            raise ValueError("pull_every must be at least 1")
        self.shared = shared
        self.authors = list(authors)
        self.pull_every = pull_every
        self.views: dict[str, Replica] = {}
        self._refresh()

    def _refresh(self) -> None:
        self.views = {author: replica_copy(self.shared) for author in self.authors}

    def begin_round(self) -> None:
        """Call at the start of each round, before computing codes: pulls if it is due."""
        if pulls_at(self.shared.round, self.pull_every):
            self._refresh()

    def theta(self, author: str) -> FloatArray:
        return self.views[author].theta

    def state(self, author: str) -> RoundState:
        return self.views[author].state()

    def thetas(self) -> list[FloatArray]:
        return [self.theta(author) for author in self.authors]

    def scales(self) -> list[float]:
        return [self.state(author).scale for author in self.authors]

    def close_round(self, own: Mapping[str, Record | None]) -> None:
        """Each view closes its round with its author's record alone (None: no record)."""
        for author, view in self.views.items():
            record = own.get(author)
            if record is not None:
                reason = view.offer(record)
                if reason is not None:
                    raise ValueError(f"{author}'s view refused its own record: {reason}")
            view.close_round()

    def max_divergence(self) -> float:
        """Largest |θ_view − θ_shared| over the views (0 right after a pull)."""
        shared = self.shared.theta
        return max(
            (float(np.max(np.abs(v.theta - shared))) for v in self.views.values()), default=0.0
        )
