"""A node whose clock is off says why it does not contribute; one the swarm corrects does."""

from __future__ import annotations

import time
from pathlib import Path

import trio

from node.config.settings import STORE_FILE, load_config
from node.finetune.checkpoints import RunHandle
from node.finetune.log import grads_topic, hashes_topic
from node.finetune.run import RunState
from node.finetune.service import FinetuneService
from node.finetune.spec import new_spec
from node.store.database import Store
from node.wire.control import TrainStart
from tests.node.fake_node import FakeNode

ROUNDS = 4


def drive(tmp_path: Path, offset_ms: int, note: str | None) -> tuple[FakeNode, FinetuneService]:
    """Drive a fresh run that starts now on a node whose swarm clock reads ``offset_ms`` off."""
    store = Store.open(tmp_path / STORE_FILE)
    node = FakeNode(store, load_config(None, data_dir=str(tmp_path)), peers=[])
    node.clock_offset_ms, node.clock_message = offset_ms, note
    command = TrainStart(run_id="skew", rounds=ROUNDS, model="tiny", round_seconds=0.2)
    spec = new_spec(command, start_ms=int(time.time() * 1000))
    state = RunState.open(spec, node.peer_id, backend="none")
    state.participating = True  # a node with a loss; its codes are stubbed
    state.my_codes = lambda round_index: (1,)  # type: ignore[method-assign]
    service = FinetuneService(backend="onnxruntime")
    service._node = node

    async def main() -> None:
        for topic in (grads_topic("skew"), hashes_topic("skew")):
            await node.join_topic(topic)
        await service._drive(node, RunHandle(state, trio.CapacityLimiter(1)))

    try:
        trio.run(main)
    finally:
        store.close()
    return node, service


def grads_sent(node: FakeNode) -> int:
    return sum(record.topic == grads_topic("skew") for record, _ in node.published)


def test_a_clock_120_s_ahead_says_why_it_sends_no_gradient(tmp_path: Path) -> None:
    note = "clock 120 s ahead of 1 peer"
    node, service = drive(tmp_path, 120_000, note)
    assert grads_sent(node) == 0
    why = service.status().not_contributing["skew"]
    assert why == f"the run had ended by this node's clock when it joined ({note}; rounds refused)"
    assert service.status().clock == note
    assert [m for k, m in node.events if k == "finetune"] == [f"run skew: not contributing: {why}"]


def test_a_node_on_the_swarms_time_sends_every_round(tmp_path: Path) -> None:
    node, service = drive(tmp_path, 0, None)
    assert grads_sent(node) == ROUNDS
    assert service.status().not_contributing == {}
    assert not [m for k, m in node.events if k == "finetune"]
