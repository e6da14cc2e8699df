"""``train verify``: rebuild a run's θ from the stored log alone and check every hash."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import msgspec

from models.spsa.replica import Checkpoint, Replica
from node import wire
from node.config.settings import STORE_FILE
from node.finetune import finality
from node.finetune.log import Stored, grads_topic, hashes_topic, in_store_order, take
from node.finetune.run import RunState
from node.finetune.task import RunError
from node.store.database import Store, StoreError


class VerifyError(RuntimeError):
    """The run or its log cannot be verified; the message says why."""


def _records(store: Store, topic: str) -> list[Stored]:
    out: list[Stored] = []
    cursor, more = 0, True
    while more:
        rows, cursor, more = store.records_since(topic, cursor, 4096, 1 << 26)
        out.extend((r.cursor, wire.decode_record(r.blob)) for r in rows)
    return out


def majority_checkpoint(
    state: RunState, checkpoint: int
) -> tuple[Checkpoint, list[finality.WindowKey]] | None:
    """The majority's θ at ``checkpoint`` and its window, rebuilt from our own records: the
    first replay that leaves out one record of the rounds since our last agreed checkpoint
    and gives the final hash.

    What a live node in this place did: a record (its own, say) reached the others only
    after they had declared ``checkpoint`` final without it, so it adopted their checkpoint
    (``RunState.adopt``); offline, the log holds that θ's records, less the one refused.
    """
    replica, announced = state.replica, state.announced
    final = finality.majority_hash(replica, checkpoint, announced.get(checkpoint, {}))
    agreed = [
        r
        for r, c in replica.checkpoints.items()
        if r < checkpoint
        and finality.majority_hash(replica, r, announced.get(r, {})) == bytes.fromhex(c.sha256)
    ]
    if final is None or not agreed:
        return None
    floor = max(agreed)
    first = floor - finality.history_rounds(replica)
    held = [rec for r, by in replica.log.items() if first <= r < checkpoint for rec in by.values()]
    for left_out in (rec for rec in held if rec.round >= floor):
        trial = Replica.from_checkpoint(replica.config, replica.layout, replica.checkpoints[floor])
        for record in held:
            if record is not left_out:
                trial.offer(record)
        trial.run_to(checkpoint)
        found = trial.checkpoints[checkpoint]
        if bytes.fromhex(found.sha256) == final:
            return found, finality.window_keys(trial, checkpoint)
    return None


def adopt_offline(state: RunState) -> list[int]:
    """Adopt, as the live node did, each final checkpoint our replay misses by one record."""
    adopted: list[int] = []
    for r in sorted(state.announced):
        if r > state.replica.round or state.settle(r)[0] != "adopt":
            continue
        found = majority_checkpoint(state, r)
        if found is not None:
            checkpoint, window = found
            blob = checkpoint.to_bytes(state.replica.layout)
            if state.adopt(r, blob, window) == "adopted":
                adopted.append(r)
    return adopted


def verify_run(data_dir: Path, run_id: str) -> dict[str, Any]:
    """Replay a run's stored log as the live replica takes it; the report of every hash."""
    return replayed(data_dir, run_id)[1]


def replayed(data_dir: Path, run_id: str) -> tuple[RunState, dict[str, Any]]:
    """The run's state rebuilt from the stored log alone, and its ``verify_run`` report."""
    from node.net.identity import load_or_create_identity

    try:
        store = Store.open(data_dir / STORE_FILE, readonly=True)
    except StoreError as exc:
        raise VerifyError(str(exc)) from exc
    with store:
        specs = [wire.decode_run_spec(r.body) for _, r in _records(store, wire.RUNS_TOPIC)]
        grads = _records(store, grads_topic(run_id))
        hashes = _records(store, hashes_topic(run_id))
    spec = next((s for s in specs if s.run_id == run_id), None)
    if spec is None:
        raise VerifyError(f"no run {run_id!r} in {data_dir}")
    self_id = wire.peer_id_str(load_or_create_identity(data_dir).public_key)
    try:
        state = RunState.open(spec, self_id, backend="none")  # replay needs no forward
    except RunError as exc:
        raise VerifyError(str(exc)) from exc
    log = [record for _, record in in_store_order(grads, hashes)]
    for record in log:
        wire.check_record(record)
    take(state, log, closed=False)  # the live replica's rule for which records count
    elapsed = (int(time.time() * 1000) - spec.start_ms) // spec.round_ms
    state.advance_to(max(0, min(spec.rounds, elapsed)))
    adopted = adopt_offline(state)
    summary: dict[str, Any] = msgspec.to_builtins(state.summary())
    summary["adopted"] = adopted
    if state.replica.round == spec.rounds:  # the final hash is announced as round `rounds`
        final = state.announced.get(spec.rounds, {})
        summary["checkpoints"][str(spec.rounds)] = {
            "sha256": state.replica.sha256,
            "agree": sorted(p for p, h in final.items() if h.hex() == state.replica.sha256),
            "disagree": sorted(p for p, h in final.items() if h.hex() != state.replica.sha256),
        }
    checked = [c for c in summary["checkpoints"].values() if c["agree"] or c["disagree"]]
    summary["ok"] = bool(checked) and all(not c["disagree"] for c in checked)
    return state, summary
