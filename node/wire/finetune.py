"""The finetune service's messages: run specs, one-byte gradient records, θ hashes and
checkpoints."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from node.wire.base import (
    WIRE_VERSION,
    LimitedDecoder,
    Sha256,
    Uint63,
    WireError,
    WireMessage,
    register_body,
)

RUNS_TOPIC = "finetune/runs"


GRADS_TOPIC = "finetune/grads"  # + "/<run id>"


HASHES_TOPIC = "finetune/hashes"  # + "/<run id>"


MAX_ROUNDS = 1_000_000


MAX_PROBES = 64


MAX_PULL_EVERY = 10_000


MAX_CHECKPOINT_BYTES = 1024 * 1024  # θ of MiniLM's 31,104 values is 124 kB + 8 B a round


MAX_WINDOW_KEYS = 4096


RunId = Annotated[str, msgspec.Meta(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9-]*\Z")]


Round = Annotated[int, msgspec.Meta(ge=0, le=MAX_ROUNDS)]


Positive = Annotated[float, msgspec.Meta(gt=0.0, le=1e6)]


class RunSpec(WireMessage, frozen=True):
    """Body of ``finetune/runs``: everything peers must agree on to train one run together."""

    run_id: RunId
    model: Literal["tiny", "minilm"]
    mode: Literal["independent", "shared"]
    learning_rate: Positive
    epsilon: Positive
    initial_scale: Positive
    rounds: Annotated[int, msgspec.Meta(ge=1, le=MAX_ROUNDS)]
    round_ms: Annotated[int, msgspec.Meta(ge=100, le=3_600_000)]
    start_ms: Uint63
    checkpoint_every: Annotated[int, msgspec.Meta(ge=1, le=10_000)]
    batch: Annotated[int, msgspec.Meta(ge=1, le=256)]
    theta0_sha256: Sha256
    layout_digest: Annotated[str, msgspec.Meta(max_length=64)]
    screen: bool
    """Shared mode: ignore, then exclude, authors that keep sending saturated codes."""
    probes: Annotated[int, msgspec.Meta(ge=1, le=MAX_PROBES)] = 1
    """Projected gradients (one byte each) per peer per round."""
    decay_floor: Annotated[float, msgspec.Meta(ge=0.0, le=1.0)] = 1.0
    """η falls linearly from ``learning_rate`` at round 0 to this fraction of it at the last
    round (1.0: constant η; LearningRateSchedule, exact float arithmetic)."""
    rules: Annotated[int, msgspec.Meta(ge=1, le=1_000)] = 1
    """Version of the rules every replica applies (``models.spsa.replica.RULES_VERSION``):
    the scale rule, screening and the update; a node with other rules refuses the run."""
    grads_by: Literal["gossip", "pull"] = "gossip"
    """How the run's records (grads and θ-hash announcements) travel: gossiped as they are
    made, or committed locally and pulled by sync from every peer every ``pull_every``
    rounds (each record crosses the wire once per receiver). Transport only: θ is the same
    function of the records either way, so it is not part of the run's config digest."""
    pull_every: Annotated[int, msgspec.Meta(ge=1, le=MAX_PULL_EVERY)] = 8
    """Pull period in rounds when ``grads_by`` is "pull" (codes are then computed on a θ
    that may lack up to this many rounds of other peers' records; late records replay)."""


class Grad(WireMessage, frozen=True):
    """Body of ``finetune/grads/<run>`` (record seq = round): one byte per projected gradient.

    ``codes`` holds the run's ``probes`` codes as int8 (two's complement; -128 is refused).
    """

    run_id: RunId
    round: Round
    codes: Annotated[bytes, msgspec.Meta(min_length=1, max_length=MAX_PROBES)]

    @property
    def values(self) -> tuple[int, ...]:
        return tuple(int(v) for v in memoryview(self.codes).cast("b"))

    @classmethod
    def of(cls, run_id: str, round_index: int, codes: tuple[int, ...]) -> Grad:
        """The body for these codes; WireError outside ±127."""
        if not all(-127 <= c <= 127 for c in codes):
            raise WireError(f"Grad: a code outside ±127 in {codes}")
        raw = bytes(c & 0xFF for c in codes)
        return cls(WIRE_VERSION, run_id, round_index, raw)


class ThetaHash(WireMessage, frozen=True):
    """Body of ``finetune/hashes/<run>`` (record seq = round): SHA-256 of θ at a checkpoint."""

    run_id: RunId
    round: Round
    sha256: Sha256


class CheckpointRequest(WireMessage, frozen=True):
    """Ask a peer for its checkpoint of a run at a round (to adopt a final one)."""

    run_id: RunId
    round: Round


class WindowKey(WireMessage, frozen=True):
    """(round, author) of a record the rounds after a checkpoint depend on."""

    round: Round
    author: Annotated[str, msgspec.Meta(min_length=1, max_length=128)]


class CheckpointBlob(WireMessage, frozen=True):
    """θ and scales at a checkpoint (safetensors) plus the keys of the records before it.

    The records themselves come from the asker's own store: they are signed, the peer only
    says which ones it used, and θ is checked against the final (majority) hash.
    """

    run_id: RunId
    round: Round
    tensors: Annotated[bytes, msgspec.Meta(max_length=MAX_CHECKPOINT_BYTES)]
    window: Annotated[list[WindowKey], msgspec.Meta(max_length=MAX_WINDOW_KEYS)]


def _check_grad(grad: Grad) -> None:
    if 0x80 in grad.codes:
        raise WireError("Grad: code -128 (codes are within ±127)")


decode_run_spec = LimitedDecoder(RunSpec, 512)

decode_grad = LimitedDecoder(Grad, 128 + MAX_PROBES, _check_grad)

decode_theta_hash = LimitedDecoder(ThetaHash, 160)

decode_checkpoint_request = LimitedDecoder(CheckpointRequest, 128)

decode_checkpoint_blob = LimitedDecoder(
    CheckpointBlob, MAX_CHECKPOINT_BYTES + MAX_WINDOW_KEYS * 160 + 256
)

register_body(RUNS_TOPIC, decode_run_spec)


register_body(GRADS_TOPIC, decode_grad)


register_body(HASHES_TOPIC, decode_theta_hash)
