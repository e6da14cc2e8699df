"""``train verify`` counts the records the live replica counted (issue 17, item 1).

The situation of the report, offline: four peers; one of them (p4, SIGKILLed and
restarted) commits its round-8 record, but its gossip reaches the others only after they
declared checkpoint 10 final without it. The live replicas refuse it (held back) and p4
adopts the majority's checkpoint; every announced hash excludes it. Replaying the stored
log, verify must exclude it too and reproduce every announced hash.
"""

from __future__ import annotations

from pathlib import Path

from node import wire
from node.config.settings import STORE_FILE
from node.finetune.log import take
from node.finetune.run import RunState
from node.finetune.spec import new_spec
from node.finetune.verify import verify_run
from node.net.identity import Identity
from node.store.database import Store
from node.store.rows import RecordRow
from node.wire.control import TrainStart

RUN = "late"
SEEDS = {f"p{i}": bytes([i]) * 32 for i in range(1, 5)}
IDS = {name: wire.peer_id_str(Identity.from_seed(seed).public_key) for name, seed in SEEDS.items()}
LATE = (8, "p4")


def spec() -> wire.RunSpec:
    command = TrainStart(
        run_id=RUN,
        rounds=15,
        model="tiny",
        mode="independent",
        round_seconds=1.0,
        learning_rate=5e-3,
        epsilon=1e-3,
        initial_scale=0.05,
        checkpoint_every=5,
        batch=4,
        probes=1,
        decay_floor=1.0,
    )
    return new_spec(command, start_ms=0)


def signed(name: str, topic: str, seq: int, body: bytes) -> wire.SignedRecord:
    return wire.sign_record(SEEDS[name], topic, seq, 1000 + seq, body)


def grad(r: int, name: str) -> wire.SignedRecord:
    code = (r * 7 + int(name[1]) * 3) % 21 - 10
    body = wire.encode(wire.Grad.of(RUN, r, (code,)))
    return signed(name, f"{wire.GRADS_TOPIC}/{RUN}", r, body)


class Live:
    """One live node (p1) as the service drives it, and its store's log in arrival order."""

    def __init__(self) -> None:
        self.state = RunState.open(spec(), IDS["p1"], backend="none")
        self.log: list[wire.SignedRecord] = [signed("p1", wire.RUNS_TOPIC, 0, wire.encode(spec()))]
        self.seqs: dict[str, int] = {}

    def grads(self, rounds: range, skip: tuple[int, str] | None = None) -> None:
        for r in rounds:
            for name in SEEDS:
                if (r, name) != skip:
                    self.receive(grad(r, name))
        self.state.advance_to(rounds.stop)

    def receive(self, record: wire.SignedRecord) -> str | None:
        self.log.append(record)
        return self.state.offer(wire.peer_id_str(record.author), wire.decode_grad(record.body))

    def announce(self, round_index: int, names: list[str], sha256: bytes) -> None:
        for name in names:
            seq = self.seqs[name] = self.seqs.get(name, -1) + 1
            body = wire.encode(wire.ThetaHash(wire.WIRE_VERSION, RUN, round_index, sha256))
            self.log.append(signed(name, f"{wire.HASHES_TOPIC}/{RUN}", seq, body))
            self.state.announce(IDS[name], seq, round_index, sha256)
        self.state.settle(round_index)  # what the service's repair loop does next

    def hash(self, round_index: int) -> bytes:
        sha256 = self.state.checkpoint_hash(round_index)
        assert sha256 is not None
        return sha256

    def store(self, data_dir: Path) -> None:
        data_dir.mkdir()
        with Store.open(data_dir / STORE_FILE) as store:
            for record in self.log:
                row = RecordRow(
                    record.topic, record.author, record.seq, record.ts_ms, wire.encode(record)
                )
                store.insert_records([row], "test")


def late_record_run() -> Live:
    """The report's run, seen from p1: p4's round-8 record arrives after finality."""
    live = Live()
    everyone = list(SEEDS)
    live.grads(range(5))
    live.announce(5, everyone, live.hash(5))
    live.grads(range(5, 10), skip=LATE)  # p4's round-8 record is committed but not gossiped
    final = live.hash(10)
    live.announce(10, ["p1", "p2", "p3"], final)  # 3 of 4 members: final without it
    assert live.state.final_round == 10
    refused = live.receive(grad(*LATE))  # then p4's gossip comes back
    assert refused is not None and "final checkpoint 10" in refused
    live.announce(10, ["p4"], bytes(32))  # p4's own hash (with its record) ...
    live.announce(10, ["p4"], final)  # ... until it adopts the majority's checkpoint
    live.grads(range(10, 15))
    live.announce(15, everyone, live.hash(15))
    assert live.state.final_round == 15 and live.state.refused == 1
    return live


def test_verify_refuses_the_record_the_live_replica_refused_after_finality(
    tmp_path: Path,
) -> None:
    live = late_record_run()
    live.store(tmp_path / "node")
    report = verify_run(tmp_path / "node", RUN)

    hashes = {r: c["sha256"] for r, c in report["checkpoints"].items()}
    assert hashes == {str(r): live.hash(r).hex() for r in (0, 5, 10, 15)}
    assert report["checkpoints"]["10"]["agree"] == sorted(IDS.values())
    assert report["ok"] is True
    assert (report["records"], report["refused"]) == (live.state.records, 1)


def test_the_service_takes_the_stored_log_by_the_same_rule() -> None:
    live = Live()
    live.grads(range(5))
    live.announce(5, list(SEEDS), live.hash(5))
    live.grads(range(5, 10), skip=LATE)
    live.announce(10, ["p1", "p2", "p3"], live.hash(10))
    live.receive(grad(*LATE))
    tailed = RunState.open(spec(), IDS["p1"], backend="none")
    tailed.advance_to(10)  # the clock: a live node has closed the rounds its peers announce
    take(tailed, live.log[1:])  # what tail_run hands over, in store order
    assert tailed.final_round == 10 and set(tailed.held_back) == {(8, IDS["p4"])}
    assert tailed.checkpoint_hash(10) == live.hash(10)
    assert (tailed.records, tailed.refused) == (live.state.records, live.state.refused)


def test_verify_on_the_late_node_adopts_the_majority_checkpoint_as_it_did_live(
    tmp_path: Path,
) -> None:
    live = late_record_run()
    # p4's own store: its round-8 record came first (it committed it before it was
    # killed), so its replay holds it before the others declare checkpoint 10 final.
    late = next(i for i, r in enumerate(live.log) if r == grad(*LATE))
    first_8 = next(
        i for i, r in enumerate(live.log) if r.topic.startswith(wire.GRADS_TOPIC) and r.seq == 8
    )
    log = [*live.log[:first_8], live.log[late], *live.log[first_8:late], *live.log[late + 1 :]]
    live.log = log
    live.store(tmp_path / "p4")
    report = verify_run(tmp_path / "p4", RUN)

    assert report["adopted"] == [10] and report["rebuilt_on"] == 10
    hashes = {r: c["sha256"] for r, c in report["checkpoints"].items()}
    assert hashes == {str(r): live.hash(r).hex() for r in (10, 15)}
    assert report["ok"] is True
