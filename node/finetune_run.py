"""One finetune run as a node holds it: the spec, the replica, the task and its hashes.

Plain (thread-side) code: the service calls it through one worker thread per run, so the
replica is never touched concurrently. θ at round r is a pure function of the valid
records held for rounds < r (models.spsa.Replica); late records trigger a replay.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

from models.spsa.codes import ScaleRule
from models.spsa.engine import Record, peer_record
from models.spsa.layout import ParamLayout, bitfit_layout
from models.spsa.polarity import (
    PolarityBatch,
    PolarityLoss,
    WordTokenizer,
    make_batch,
    split_words,
    vader_words,
)
from models.spsa.replica import Replica, RunConfig
from node import wire

SHARDS = 4


class RunError(ValueError):
    """A run spec that this node cannot or will not follow; the message says why."""


@dataclass
class Task:
    """What a run trains: weights, layout, loss backend and this node's data shard."""

    layout: ParamLayout
    theta0: np.ndarray
    loss: Any  # LossBackend[PolarityBatch], or None: replay only
    tokenizer: WordTokenizer
    words: list[tuple[str, int]]
    test: list[tuple[str, int]]


Backend = Literal["torch", "onnxruntime", "none"]
"""``none`` replays records without any forward pass: enough to verify, not to train."""


def load_weights(model: str) -> tuple[Any, dict[str, np.ndarray]]:
    """(BertConfig, float32 weights) of a run's model: numpy and safetensors only."""
    from models.spsa.bert import TINY, load_minilm, tiny_weights

    if model == "tiny":
        return TINY, tiny_weights(seed=0)
    if model == "minilm":
        return load_minilm()
    raise RunError(f"unknown model {model!r}")


def initial_theta(model: str) -> tuple[ParamLayout, np.ndarray]:
    """The trainable layout and θ0 of a run's model, without building any backend."""
    _, weights = load_weights(model)
    layout = bitfit_layout({name: w.shape for name, w in weights.items()})
    return layout, layout.flatten(weights)


def default_encoder_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_cache_dir("byteswarm")) / "spsa-encoders"


def export_encoder_file(model: str, folder: Path) -> Path:
    """Write the θ-as-input ONNX encoder of ``model`` into ``folder`` (needs torch)."""
    from models.spsa.layout import bitfit_layout
    from models.spsa.onnx_export import export_encoder

    config, weights = load_weights(model)
    layout = bitfit_layout({name: w.shape for name, w in weights.items()})
    return export_encoder(config, layout, weights, folder)


def build_task(
    model: str, self_id: str, backend: Backend = "torch", encoder_dir: Path | None = None
) -> Task:
    """Load the model on ``backend`` and this node's shard of the VADER words.

    The onnxruntime backend imports neither torch nor the exporter: it needs the encoder
    file that ``byteswarm train export-encoder`` wrote for exactly these weights.
    """
    from models.spsa.bert import minilm_dir

    config, weights = load_weights(model)
    layout = bitfit_layout({name: w.shape for name, w in weights.items()})
    encoder: Any = None
    if backend == "onnxruntime":
        from models.spsa.encoder_file import encoder_path
        from models.spsa.ort_backend import OrtEncoder

        path = encoder_path(encoder_dir or default_encoder_dir(), config, layout, weights)
        if not path.is_file():
            raise RunError(
                f"no ONNX encoder for model {model!r} at {path}: run `byteswarm train "
                f"export-encoder --model {model}` where torch is installed and copy it there"
            )
        encoder = OrtEncoder(path)
    elif backend == "torch":
        from models.spsa.torch_backend import TorchEncoder

        encoder = TorchEncoder(config, layout, weights)
    tokenizer = WordTokenizer(minilm_dir() / "tokenizer.json")
    train, test = split_words(vader_words())
    shard = int(hashlib.blake2b(self_id.encode(), digest_size=8).hexdigest(), 16) % SHARDS
    words = [w for i, w in enumerate(train) if i % SHARDS == shard]
    loss = None if encoder is None else PolarityLoss(encoder)
    return Task(layout, layout.flatten(weights), loss, tokenizer, words, test)


def theta_digest(theta: np.ndarray) -> bytes:
    return hashlib.sha256(np.ascontiguousarray(theta, dtype="<f4").tobytes()).digest()


def run_config(spec: wire.RunSpec) -> RunConfig:
    return RunConfig(
        run_id=spec.run_id,
        mode=spec.mode,
        learning_rate=spec.learning_rate,
        epsilon=spec.epsilon,
        scale_rule=ScaleRule(initial=spec.initial_scale),
        checkpoint_every=spec.checkpoint_every,
    )


def spec_differences(a: wire.RunSpec, b: wire.RunSpec) -> list[str]:
    """Field names on which two specs of the same run id disagree."""
    names = [f for f in a.__struct_fields__ if f not in ("version",)]
    return [n for n in names if getattr(a, n) != getattr(b, n)]


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
        reason = self.replica.offer(Record(grad.run_id, grad.round, author, grad.code))
        if reason is None:
            self.records += 1
        else:
            self.refused += 1
        return reason

    def advance_to(self, round_index: int) -> None:
        """Close every round before ``round_index`` (replaying if records came late)."""
        self.replica.catch_up()
        self.replica.run_to(min(round_index, self.spec.rounds))

    def my_code(self, round_index: int) -> int | None:
        """Our one-byte projected gradient for ``round_index`` on θ at that round."""
        self.advance_to(round_index)
        rng = np.random.default_rng(
            int.from_bytes(
                hashlib.blake2b(
                    f"{self.spec.run_id}/{round_index}/{self.self_id}".encode(), digest_size=8
                ).digest(),
                "little",
            )
        )
        picks = rng.choice(
            len(self.task.words), size=min(self.spec.batch, len(self.task.words)), replace=False
        )
        batch: PolarityBatch = make_batch(self.task.tokenizer, [self.task.words[i] for i in picks])
        state = self.replica.state(round_index)
        record = peer_record(
            self.task.loss, self.replica.theta, batch, state, self.self_id, self.spec.epsilon
        )
        return None if record is None else record.code

    def checkpoint_hash(self, round_index: int) -> bytes | None:
        """SHA-256 of θ at a checkpoint round we have closed (after any replay)."""
        self.replica.catch_up()
        checkpoint = self.replica.checkpoints.get(round_index)
        return None if checkpoint is None else bytes.fromhex(checkpoint.sha256)

    def disagreeing(self, round_index: int) -> list[str]:
        """Peers whose announced hash for a checkpoint differs from ours."""
        ours = self.checkpoint_hash(round_index)
        if ours is None:
            return []
        return sorted(p for p, h in self.announced.get(round_index, {}).items() if h != ours)

    def accuracy(self, limit: int = 256) -> float:
        batch = make_batch(self.task.tokenizer, self.task.test[:limit])
        return float(self.task.loss.accuracy(self.replica.theta, batch))

    def summary(self) -> dict[str, Any]:
        checkpoints = {}
        for r in sorted(self.replica.checkpoints):
            ours = self.replica.checkpoints[r].sha256
            peers = self.announced.get(r, {})
            checkpoints[str(r)] = {
                "sha256": ours,
                "agree": sorted(p for p, h in peers.items() if h.hex() == ours),
                "disagree": sorted(p for p, h in peers.items() if h.hex() != ours),
            }
        return {
            "run_id": self.spec.run_id,
            "model": self.spec.model,
            "mode": self.spec.mode,
            "round": self.replica.round,
            "rounds": self.spec.rounds,
            "participating": self.participating,
            "records": self.records,
            "refused": self.refused,
            "sha256": self.replica.sha256,
            "checkpoints": checkpoints,
        }


def new_spec(
    run_id: str,
    model: str,
    mode: str,
    rounds: int,
    round_ms: int,
    start_ms: int,
    learning_rate: float,
    epsilon: float,
    initial_scale: float,
    checkpoint_every: int,
    batch: int,
) -> wire.RunSpec:
    """A validated RunSpec; RunError names what is wrong."""
    if model not in ("tiny", "minilm"):
        raise RunError(f"unknown model {model!r}")
    if mode not in ("independent", "shared"):
        raise RunError(f"unknown mode {mode!r}")
    layout, theta0 = initial_theta(model)
    fields: dict[str, Any] = {
        "run_id": run_id,
        "model": model,
        "mode": mode,
        "learning_rate": learning_rate,
        "epsilon": epsilon,
        "initial_scale": initial_scale,
        "rounds": rounds,
        "round_ms": round_ms,
        "start_ms": start_ms,
        "checkpoint_every": checkpoint_every,
        "batch": batch,
        "theta0_sha256": theta_digest(theta0),
        "layout_digest": layout.digest,
    }
    try:  # round trip through the wire decoder: the same checks a receiving peer applies
        spec = wire.RunSpec(wire.WIRE_VERSION, **fields)
        return wire.decode_run_spec(wire.encode(spec))
    except (wire.WireError, TypeError) as exc:
        raise RunError(f"bad run parameters: {exc}") from exc
