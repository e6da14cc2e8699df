"""``train verify``: rebuild a run's θ from the stored log alone and check every hash."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from node import wire
from node.config import STORE_FILE
from node.finetune_log import Stored, grads_topic, hashes_topic, in_store_order, take
from node.finetune_run import RunState
from node.finetune_task import RunError
from node.store import Store, StoreError


class VerifyError(RuntimeError):
    """The run or its log cannot be verified; the message says why."""


def _records(store: Store, topic: str) -> list[Stored]:
    out: list[Stored] = []
    cursor, more = 0, True
    while more:
        rows, cursor, more = store.records_since(topic, cursor, 4096, 1 << 26)
        out.extend((r.cursor, wire.decode_record(r.blob)) for r in rows)
    return out


def verify_run(data_dir: Path, run_id: str) -> dict[str, Any]:
    from node.identity import load_or_create_identity

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
    summary = state.summary()
    if state.replica.round == spec.rounds:  # the final hash is announced as round `rounds`
        final = state.announced.get(spec.rounds, {})
        summary["checkpoints"][str(spec.rounds)] = {
            "sha256": state.replica.sha256,
            "agree": sorted(p for p, h in final.items() if h.hex() == state.replica.sha256),
            "disagree": sorted(p for p, h in final.items() if h.hex() != state.replica.sha256),
        }
    checked = [c for c in summary["checkpoints"].values() if c["agree"] or c["disagree"]]
    summary["ok"] = bool(checked) and all(not c["disagree"] for c in checked)
    return summary
