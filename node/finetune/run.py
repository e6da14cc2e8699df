"""One finetune run as a node holds it: the spec, the replica, the task and its hashes.

Plain (thread-side) code: the service calls it through one worker thread per run, so the
replica is never touched concurrently. θ at round r is a pure function of the valid
records held for rounds < r (models.spsa.Replica); late records trigger a replay.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from models.spsa.engine import Record, peer_record
from models.spsa.polarity import PolarityBatch, make_batch
from models.spsa.replica import RULES_VERSION, Checkpoint, Replica, theta_digest
from node import wire
from node.finetune import finality
from node.finetune.spec import run_config
from node.finetune.task import Backend, RunError, Task, build_task
from node.wire.status.services import CheckpointStatus, RunStatus

MAX_HELD_BACK = 4096
SCORE_WORDS = 256
"""Held-out words each checkpoint is scored on (loss and accuracy in ``train status``)."""


@dataclass
class RunState:
    """A run as held by one node: the replica of θ, and every peer's announced hashes."""

    spec: wire.RunSpec
    self_id: str
    task: Task
    replica: Replica
    participating: bool = True
    announced: dict[int, dict[str, bytes]] = field(default_factory=dict)
    refused: int = 0
    records: int = 0
    announce_seq: dict[tuple[int, str], int] = field(default_factory=dict)
    final_round: int = 0
    """The latest checkpoint a majority agreed on and we hold: records before it are refused."""
    rebuilt_on: int | None = None
    """The final checkpoint we adopted from a peer, if any (our checkpoints before it are gone:
    they belonged to the history we left)."""
    held_back: dict[tuple[int, str], Record] = field(default_factory=dict)
    """Records refused for coming after their round's finality: should the majority turn out
    to have used one (its view and ours raced), adopting its checkpoint needs it."""
    gossiped: int = 0
    """Records of ours (grads and hash announcements) handed to gossip."""
    pulls: int = 0
    """Scheduled pulls of the run's records from every peer (pull transport)."""
    scores: dict[int, tuple[str, float, float]] = field(default_factory=dict)
    """Checkpoint round -> (its θ hash, loss, accuracy) on this node's held-out words."""

    def announce(self, peer: str, seq: int, round_index: int, sha256: bytes) -> None:
        """Hold a peer's announced hash; its latest announcement (highest seq) wins."""
        if seq < self.announce_seq.get((round_index, peer), -1):
            return  # an older announcement that arrived late (sync does not keep seq order)
        self.announce_seq[(round_index, peer)] = seq
        self.announced.setdefault(round_index, {})[peer] = sha256

    @classmethod
    def open(
        cls,
        spec: wire.RunSpec,
        self_id: str,
        task: Task | None = None,
        backend: Backend = "torch",
        encoder_dir: Path | None = None,
    ) -> RunState:
        if spec.rules != RULES_VERSION:
            raise RunError(
                f"run {spec.run_id} follows replica rules v{spec.rules}; this node implements "
                f"v{RULES_VERSION} (upgrade the node that is behind)"
            )
        task = task or build_task(spec.model, self_id, backend, encoder_dir)
        if theta_digest(task.theta0) != spec.theta0_sha256:
            raise RunError(f"run {spec.run_id}: our initial weights differ from the announced hash")
        if task.layout.digest != spec.layout_digest:
            raise RunError(
                f"run {spec.run_id}: our parameter layout differs from the announced one"
            )
        replica = Replica(run_config(spec), task.layout, task.theta0)
        return cls(spec, self_id, task, replica, participating=task.loss is not None)

    def offer(self, author: str, grad: wire.Grad) -> str | None:
        """Hold one record; returns why it was refused, or None."""
        if grad.run_id != self.spec.run_id or grad.round >= self.spec.rounds:
            self.refused += 1
            return "wrong run or round"
        if grad.round < self.final_round:
            self.refused += 1
            record = Record(grad.run_id, grad.round, author, grad.values)
            if len(self.held_back) < MAX_HELD_BACK:
                self.held_back.setdefault((grad.round, author), record)
            return f"round {grad.round} is before final checkpoint {self.final_round}"
        reason = self.replica.offer(Record(grad.run_id, grad.round, author, grad.values))
        if reason is None:
            self.records += 1
        else:
            self.refused += 1
        return reason

    def advance_to(self, round_index: int) -> None:
        """Close every round before ``round_index`` (replaying if records came late)."""
        self.replica.catch_up()
        self.replica.run_to(min(round_index, self.spec.rounds))

    def my_codes(self, round_index: int) -> tuple[int, ...] | None:
        """Our one-byte projected gradients (one per probe) for ``round_index`` on θ there."""
        self.advance_to(round_index)
        rng = np.random.default_rng(
            int.from_bytes(
                hashlib.blake2b(
                    f"{self.spec.run_id}/{round_index}/{self.self_id}".encode(), digest_size=8
                ).digest(),
                "little",
            )
        )
        batches: list[PolarityBatch] = []
        for _ in range(self.spec.probes):  # a fresh batch per probe, from one seeded stream
            size = min(self.spec.batch, len(self.task.words))
            picks = rng.choice(len(self.task.words), size=size, replace=False)
            batches.append(make_batch(self.task.tokenizer, [self.task.words[i] for i in picks]))
        state = self.replica.state(round_index)
        record = peer_record(
            self.task.loss, self.replica.theta, batches, state, self.self_id, self.spec.epsilon
        )
        return None if record is None else record.codes

    def checkpoint_hash(self, round_index: int) -> bytes | None:
        """SHA-256 of θ at a checkpoint round we have closed (after any replay)."""
        self.replica.catch_up()
        checkpoint = self.replica.checkpoints.get(round_index)
        return None if checkpoint is None else bytes.fromhex(checkpoint.sha256)

    def settle(self, round_index: int) -> tuple[str, list[str]]:
        """Finality of one checkpoint: ("final" | "open" | "adopt", peers holding the majority).

        "adopt" means a majority agreed on a hash that is not ours: fetch their checkpoint.
        """
        self.recheck_final()
        announced = self.announced.get(round_index, {})
        final = finality.majority_hash(self.replica, round_index, announced)
        if final is None:
            return "open", []
        holders = sorted(p for p, h in announced.items() if h == final and p != self.self_id)
        ours = self.checkpoint_hash(round_index)
        if ours is None:  # not a checkpoint of ours (yet): nothing to compare
            return "open", holders
        if ours == final:
            self.final_round = max(self.final_round, round_index)
            return "final", holders
        return "adopt", holders

    def _holds_as_final(self, round_index: int) -> bool:
        announced = self.announced.get(round_index, {})
        final = finality.majority_hash(self.replica, round_index, announced)
        return final is not None and final == self.checkpoint_hash(round_index)

    def recheck_final(self) -> None:
        """Revoke a finality that no longer holds, and take back the records it refused.

        A checkpoint can be declared final on too few members (a peer that crashed or joined
        late had not announced yet); when their announcements break its majority (a 2-2
        split would otherwise hold for ever), we fall back to the latest checkpoint whose
        majority still holds and offer the refused records again, so our hash can join the
        new majority. Adoption left no checkpoints before ``rebuilt_on``: that is the floor.
        """
        floor = self.rebuilt_on or 0
        if self.final_round <= floor or self._holds_as_final(self.final_round):
            return
        earlier = [r for r in self.replica.checkpoints if floor < r < self.final_round]
        self.final_round = max((r for r in earlier if self._holds_as_final(r)), default=floor)
        back = sorted(key for key in self.held_back if key[0] >= self.final_round)
        for key in back:
            if self.replica.offer(self.held_back.pop(key)) is None:
                self.records += 1
                self.refused -= 1

    def checkpoint_blob(self, round_index: int) -> tuple[bytes, list[finality.WindowKey]] | None:
        """What a peer needs to adopt our checkpoint: θ and scales, and the window's keys."""
        self.replica.catch_up()
        checkpoint = self.replica.checkpoints.get(round_index)
        if checkpoint is None:
            return None
        keys = finality.window_keys(self.replica, round_index)
        return checkpoint.to_bytes(self.replica.layout), keys

    def adopt(self, round_index: int, blob: bytes, window: list[finality.WindowKey]) -> str:
        """Rebuild on a peer's checkpoint if it carries the majority's hash; says what happened."""
        final = finality.majority_hash(
            self.replica, round_index, self.announced.get(round_index, {})
        )
        checkpoint = Checkpoint.from_bytes(blob)
        if checkpoint.round != round_index or final is None:
            return "not a final checkpoint"
        if bytes.fromhex(checkpoint.sha256) != final:
            return "the checkpoint's θ does not match the final hash"
        if checkpoint.theta.shape != self.replica.theta.shape:
            return "the checkpoint's θ has the wrong shape"
        fresh, why = finality.adopted(self.replica, checkpoint, window, self.held_back)
        if fresh is not None:
            self.replica = fresh
            self.final_round = max(self.final_round, round_index)
            self.rebuilt_on = round_index
        return why

    def score_checkpoints(self, limit: int = SCORE_WORDS) -> int:
        """Loss and accuracy of each checkpoint not scored yet (or rebuilt since), on the
        first ``limit`` held-out words; how many were scored. A node that cannot run the
        model (replay only) scores nothing."""
        if self.task.loss is None:
            return 0
        todo = [
            (r, c)
            for r, c in self.replica.checkpoints.items()
            if self.scores.get(r, ("",))[0] != c.sha256
        ]
        if todo:
            batch = make_batch(self.task.tokenizer, self.task.test[:limit])
            for r, c in todo:
                loss = float(self.task.loss.loss(c.theta, batch))
                accuracy = float(self.task.loss.accuracy(c.theta, batch))
                self.scores[r] = (c.sha256, loss, accuracy)
        return len(todo)

    def summary(self) -> RunStatus:
        checkpoints: dict[str, CheckpointStatus] = {}
        for r in sorted(self.replica.checkpoints):
            ours = self.replica.checkpoints[r].sha256
            peers = self.announced.get(r, {})
            checkpoint = CheckpointStatus(
                sha256=ours,
                agree=sorted(p for p, h in peers.items() if h.hex() == ours),
                disagree=sorted(p for p, h in peers.items() if h.hex() != ours),
            )
            scored = self.scores.get(r)
            if scored is not None and scored[0] == ours:
                checkpoint.loss, checkpoint.accuracy = scored[1], scored[2]
            checkpoints[str(r)] = checkpoint
        return RunStatus(
            run_id=self.spec.run_id,
            model=self.spec.model,
            mode=self.spec.mode,
            probes=self.spec.probes,
            grads_by=self.spec.grads_by,
            pull_every=self.spec.pull_every,
            gossiped=self.gossiped,
            pulls=self.pulls,
            round=self.replica.round,
            rounds=self.spec.rounds,
            participating=self.participating,
            records=self.records,
            refused=self.refused,
            final_round=self.final_round,
            rebuilt_on=self.rebuilt_on,
            sha256=self.replica.sha256,
            checkpoints=checkpoints,
        )
