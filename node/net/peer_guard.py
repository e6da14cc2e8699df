"""Cost follows blame: per-peer rejection counts, a gossipsub v1.1 score, graylist and bans.

Every rejection a peer causes (an invalid gossip message, a bad libp2p signature, a
protocol error on any stream, a rate-limit hit, a failed request) is counted by cause and
lowers that peer's score. The score is py-libp2p's ``PeerScorer`` (``pubsub/score.py``)
with deliberate weights: P2 (first deliveries) lets an honest peer earn a little credit,
P4 (invalid messages) and P5 (behaviour penalty, where our own causes land) take it away,
both decaying every heartbeat. Below ``graylist`` a peer's gossip is dropped before any
signature check and its requests are refused; below ``ban`` it is disconnected and refused
for ``ban_seconds``. Rejections are logged as one summary line per peer per minute.

A rate-limit rejection inside a topic validator looks like an invalid message to
py-libp2p; ``RateAwareScorer`` turns it into the (much lighter) rate-limit penalty, so an
honest relay of someone else's flood is slowed, not banned.
"""

from __future__ import annotations

import logging
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from libp2p.network.config import ConnectionConfig
from libp2p.peer.id import ID
from libp2p.pubsub.score import PeerScorer, ScoreParams, TopicScoreParams

from node.config.settings import NodeConfig
from node.wire.status.node import GuardStatus, PeerGuardStatus

WEIGHTS: dict[str, float] = {
    "bad_signature": 10.0,
    "protocol_error": 25.0,
    "rate_limited": 0.5,
    "request_error": 5.0,
    "oversize": 25.0,
    "our_error": 0.0,
    "while_graylisted": 2.0,
    "timeout": 2.0,
}
"""Behaviour penalty per rejection, by cause (P5 units: one point of score each)."""


@dataclass(frozen=True)
class GuardLimits:
    """Score thresholds and the ban length (a view of ``[peer_limits]``)."""

    graylist: float = -100.0
    ban: float = -400.0
    ban_seconds: float = 600.0
    summary_interval: float = 60.0


def score_params(limits: GuardLimits) -> ScoreParams:
    """Gossipsub v1.1 weights: credit for first deliveries, heavy cost for invalid ones."""
    return ScoreParams(
        p2_first_message_deliveries=TopicScoreParams(weight=1.0, cap=20.0, decay=0.99),
        p4_invalid_messages=TopicScoreParams(weight=10.0, cap=10_000.0, decay=0.98),
        p5_behavior_penalty_weight=1.0,
        p5_behavior_penalty_threshold=0.0,
        p5_behavior_penalty_decay=0.98,
        # py-libp2p gates *accepting* a message on publish_threshold: keep it at the graylist
        publish_threshold=limits.graylist,
        gossip_threshold=limits.graylist / 2,
        graylist_threshold=limits.graylist,
        accept_px_threshold=0.0,
    )


class RateAwareScorer(PeerScorer):
    """A ``PeerScorer`` that tells rate-limit rejections apart from invalid messages."""

    def __init__(self, params: ScoreParams) -> None:
        super().__init__(params)
        self.rate_rejects: Counter[tuple[ID, str]] = Counter()

    def on_invalid_message(self, peer: ID, topic: str) -> None:
        key = (peer, topic)
        if self.rate_rejects[key] > 0:
            self.rate_rejects[key] -= 1
            if not self.rate_rejects[key]:
                del self.rate_rejects[key]
            self.behavior_penalty[peer] += WEIGHTS["rate_limited"]
            return
        super().on_invalid_message(peer, topic)


class PeerGuard:
    """Blame, score, graylist and ban for one node's peers."""

    def __init__(
        self,
        limits: GuardLimits,
        log: logging.Logger,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limits = limits
        self.log = log
        self.clock = clock
        self.scorer = RateAwareScorer(score_params(limits))
        self.topics: list[str] = []
        self.rejections: dict[str, Counter[str]] = defaultdict(Counter)
        self.totals: Counter[str] = Counter()
        self._unlogged: dict[str, Counter[str]] = defaultdict(Counter)
        self._last_summary = clock()
        self._banned_until: dict[str, float] = {}
        self._ids: dict[str, ID] = {}

    def _id(self, peer: str) -> ID:
        pid = self._ids.get(peer)
        if pid is None:
            if len(self._ids) > 10_000:
                self._ids.clear()
            pid = self._ids[peer] = ID.from_base58(peer)
        return pid

    def blame(self, peer: str, cause: str, count: int = 1) -> None:
        """Count ``count`` rejections of ``cause`` against ``peer`` and lower its score."""
        self.rejections[peer][cause] += count
        self._unlogged[peer][cause] += count
        self.totals[cause] += count
        weight = WEIGHTS.get(cause, 1.0)
        try:
            self.scorer.penalize_behavior(self._id(peer), weight * count)
        except Exception:  # a malformed peer id string: counted, nothing to score
            return

    def note_rate_reject(self, peer: ID, topic: str) -> None:
        """A topic validator refused ``peer``'s message for its rate, not its content."""
        self.scorer.rate_rejects[(peer, topic)] += 1
        peer_str = peer.to_base58()
        self.rejections[peer_str]["rate_limited"] += 1
        self._unlogged[peer_str]["rate_limited"] += 1
        self.totals["rate_limited"] += 1

    def note_invalid(self, peer: ID, cause: str) -> None:
        """Count an invalid gossip message (its P4 penalty is py-libp2p's to apply)."""
        peer_str = peer.to_base58()
        self.rejections[peer_str][cause] += 1
        self._unlogged[peer_str][cause] += 1
        self.totals[cause] += 1

    def score(self, peer: str) -> float:
        try:
            return float(self.scorer.score(self._id(peer), self.topics))
        except Exception:
            return 0.0

    def banned(self, peer: str) -> bool:
        until = self._banned_until.get(peer)
        if until is None:
            return False
        if until <= self.clock():
            del self._banned_until[peer]
            return False
        return True

    def graylisted(self, peer: str) -> bool:
        """True while ``peer``'s traffic is to be ignored (graylisted or banned)."""
        return self.banned(peer) or self.score(peer) < self.limits.graylist

    def police(self, peers: list[str]) -> list[str]:
        """Ban connected ``peers`` whose score fell below ``ban``; returns the new bans."""
        new: list[str] = []
        for peer in peers:
            if self.banned(peer):
                new.append(peer)  # reconnected while banned: drop it again
                continue
            if self.score(peer) < self.limits.ban:
                self._banned_until[peer] = self.clock() + self.limits.ban_seconds
                self.totals["bans"] += 1
                self.log.warning(
                    "peer %s banned for %.0f s (score %.0f; %s)",
                    peer,
                    self.limits.ban_seconds,
                    self.score(peer),
                    _causes(self.rejections[peer]),
                )
                new.append(peer)
        self._summarise()
        return new

    def _summarise(self) -> None:
        now = self.clock()
        if now - self._last_summary < self.limits.summary_interval:
            return
        self._last_summary = now
        for peer, causes in self._unlogged.items():
            self.log.info("rejected from %s in the last minute: %s", peer, _causes(causes))
        self._unlogged.clear()

    def status(self) -> GuardStatus:
        """Counters per cause and per peer, scores and bans (the TUI draws these)."""
        peers = {
            peer: PeerGuardStatus(
                score=round(self.score(peer), 1),
                banned=self.banned(peer),
                rejections=dict(causes),
            )
            for peer, causes in list(self.rejections.items())[-200:]
        }
        return GuardStatus(rejections=dict(self.totals), peers=peers)


def _causes(causes: Counter[str]) -> str:
    return ", ".join(f"{n} {cause}" for cause, n in causes.most_common())


def connection_caps(config: NodeConfig) -> ConnectionConfig:
    """py-libp2p's connection manager held to ``[peer_limits]`` (its default is 300 in all,
    3 per peer); inbound slots are ``max_connections - min_connections``."""
    cap = config.peer_limits.max_connections
    return ConnectionConfig(
        max_connections=cap,
        max_connections_per_peer=config.peer_limits.max_connections_per_peer,
        high_watermark=cap,
        low_watermark=min(100, cap // 2),
        min_connections=min(50, cap // 4),
    )
