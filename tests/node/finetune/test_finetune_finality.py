"""Checkpoint finality: majority hashes, refusing rewritten history, adopting a checkpoint."""

from __future__ import annotations

import numpy as np
from safetensors.numpy import load as load_tensors
from safetensors.numpy import save as save_tensors

from node import wire
from node.finetune.run import RunState
from node.finetune.spec import new_spec
from node.wire.control import TrainStart

PEERS = ("p1", "p2", "p3")


def state(self_id: str) -> RunState:
    command = TrainStart(
        run_id="fin",
        rounds=20,
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
    spec = new_spec(command, start_ms=0)
    return RunState.open(spec, self_id, backend="none")  # replay only: records by hand


def grad(r: int, code: int) -> wire.Grad:
    return wire.Grad.of("fin", r, (code,))


def feed(s: RunState, rounds: range, lost: tuple[int, str] | None = None) -> None:
    for r in rounds:
        for i, peer in enumerate(PEERS):
            if (r, peer) != lost:
                assert s.offer(peer, grad(r, (r * 7 + i * 3) % 21 - 10)) is None
    s.advance_to(rounds.stop)


def announce_all(s: RunState, votes: dict[str, bytes]) -> None:
    for peer, sha in votes.items():
        s.announce(peer, 1, 5, sha)


def test_a_majority_hash_becomes_final_and_history_before_it_is_refused() -> None:
    a = state("p1")
    feed(a, range(10))
    ours = a.checkpoint_hash(5)
    assert ours is not None
    announce_all(a, {"p1": ours, "p4": bytes(32)})
    assert a.settle(5) == ("open", [])  # 1 of 4 members: p1-p3 wrote records, p4 announced
    announce_all(a, {"p2": ours})
    assert a.settle(5) == ("open", [])  # 2 of 4 is no majority
    announce_all(a, {"p3": ours})
    assert a.settle(5) == ("final", ["p2", "p3"]) and a.final_round == 5
    refused = a.offer("p9", grad(2, 5))
    assert refused is not None and "final checkpoint 5" in refused
    assert a.offer("p9", grad(6, 5)) is None  # later rounds stay open
    assert a.summary().final_round == 5


def test_a_replica_with_an_extra_late_record_adopts_the_majority_checkpoint() -> None:
    a, b = state("p1"), state("p2")
    feed(a, range(10), lost=(3, "p2"))  # p2's round-3 record reached nobody but p2 ...
    feed(b, range(10))  # ... so p2's θ differs from everyone else's
    final, theirs = a.checkpoint_hash(5), b.checkpoint_hash(5)
    assert final is not None and theirs is not None and final != theirs
    votes = {"p1": final, "p3": final, "p2": theirs}
    announce_all(a, votes)
    announce_all(b, votes)
    assert b.settle(5) == ("adopt", ["p1", "p3"])
    blob = a.checkpoint_blob(5)
    assert blob is not None
    # A checkpoint whose θ is not the final one is refused, and b keeps its own replica.
    tensors = load_tensors(blob[0])
    tensors["theta"] = tensors["theta"] + np.float32(1e-3)
    forged = save_tensors(tensors, metadata={"round": "5"})
    assert "does not match" in b.adopt(5, forged, blob[1])
    assert b.checkpoint_hash(5) == theirs
    # A window record b does not hold yet: not adopted until sync brings it.
    assert "not held yet" in b.adopt(5, blob[0], [*blob[1], (4, "p7")])
    assert b.adopt(5, blob[0], blob[1]) == "adopted"
    assert b.checkpoint_hash(5) == final and b.final_round == 5
    assert b.summary().rebuilt_on == 5 and a.summary().rebuilt_on is None
    assert b.replica.round == 10 and b.replica.sha256 == a.replica.sha256
    # Both go on identically from the adopted checkpoint.
    feed(a, range(10, 15))
    feed(b, range(10, 15))
    assert b.replica.sha256 == a.replica.sha256
    assert b.checkpoint_hash(15) == a.checkpoint_hash(15)


def test_a_node_that_finalised_too_early_takes_back_the_record_it_refused() -> None:
    a, b = state("p1"), state("p2")
    feed(a, range(10), lost=(3, "p2"))  # a has not seen p2's round-3 record yet ...
    feed(b, range(10))
    early = a.checkpoint_hash(5)
    assert early is not None
    announce_all(a, {"p1": early, "p3": early})
    assert a.settle(5)[0] == "final"  # ... and finalises round 5 without it (p2 silent)
    refused = a.offer("p2", grad(3, (3 * 7 + 1 * 3) % 21 - 10))  # then it arrives
    assert refused is not None and "final checkpoint" in refused
    records = a.records
    # p2 announces the hash with its record: 2 against 2 would hold for ever, so a's
    # finality of round 5 is revoked, the refused record comes back, and a's θ joins p2's.
    final = b.checkpoint_hash(5)
    assert final is not None and final != early
    a.announce("p2", 2, 5, final)
    a.announce("p4", 2, 5, final)
    assert a.settle(5) == ("open", [])  # revoked; 2 (p2, p4) of 4 members is no majority yet
    assert a.final_round == 0 and a.held_back == {} and a.records == records + 1
    assert a.checkpoint_hash(5) == final
    a.announce("p1", 2, 5, final)  # a re-announces its moved hash
    assert a.settle(5) == ("final", ["p2", "p4"]) and a.final_round == 5
    assert a.replica.sha256 == b.replica.sha256


def test_a_node_adopts_with_a_record_it_held_back() -> None:
    a, b = state("p1"), state("p2")
    feed(a, range(10), lost=(3, "p2"))
    feed(b, range(10))
    early = a.checkpoint_hash(5)
    assert early is not None
    announce_all(a, {"p1": early, "p3": early})
    assert a.settle(5)[0] == "final"
    refused = a.offer("p2", grad(3, (3 * 7 + 1 * 3) % 21 - 10))
    assert refused is not None and "final checkpoint" in refused
    blob = b.checkpoint_blob(5)
    assert blob is not None
    # the window's record is among the held-back ones: adoption does not wait for sync
    a.announce("p2", 2, 5, bytes.fromhex(b.replica.checkpoints[5].sha256))
    a.announce("p3", 2, 5, bytes.fromhex(b.replica.checkpoints[5].sha256))
    assert a.adopt(5, *blob) == "adopted"
    assert a.checkpoint_hash(5) == b.checkpoint_hash(5) and a.replica.sha256 == b.replica.sha256
