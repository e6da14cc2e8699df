"""The finetune service: one-byte SPSA runs over gossip, rounds closed by the clock.

A run is announced on ``finetune/runs`` (RunSpec, signed by its starter) and every node
that can load the same initial weights joins it. Round r lasts ``round_ms`` from
``start_ms + r·round_ms``; at its start each participant computes its code on θ_r and
publishes ``Grad`` as record seq r on ``finetune/grads/<run>`` (one record per (run,
round, author) is the store's unique key; the direction is derived from (run, round,
author), never chosen). Nobody waits for anybody: a round's update uses the records held
when it is closed, and a record that arrives later triggers a replay, so θ is a pure
function of the record set. After each checkpoint round (every C rounds, plus the last) a
node announces SHA-256(θ) on ``finetune/hashes/<run>``; when a peer disagrees, the node
pulls that peer's records and, if its own hash changes, announces again.

Transport (``RunSpec.grads_by``): "gossip" publishes each record as it is made; "pull"
commits the run's records (grads and hash announcements) without gossiping them and pulls
both topics from every connected peer by sync every K = ``pull_every`` rounds (while it
drives the run, the catch-up loop pulls them only from newly connected peers); a
checkpoint is announced right after the first pull that follows it, so peers hash the same
records. Each record crosses the wire once per receiver instead of once per gossip mesh
edge, and one pull carries K rounds. The price: a node computes its codes on a θ that may
lack up to K rounds of the other peers' records (a stale θ, a noisier step; replicas still
agree, since late records replay), and announcements, hence finality, lag by up to 2K
rounds. This module is the run lifecycle and the round clock; how records travel (tailing,
announcing, repair, pulls) is ``exchange.py``.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

import trio

from node import wire
from node.finetune.checkpoints import CHECKPOINT_PROTOCOL, RunHandle, checkpoint_server
from node.finetune.encoder_check import missing_encoder
from node.finetune.exchange import (
    announce,
    announces_at,
    publish,
    pull,
    pull_final_hashes,
    records_after,
    repair,
    tail_run,
)
from node.finetune.log import grads_topic, hashes_topic
from node.finetune.run import RunState
from node.finetune.spec import new_spec, spec_differences
from node.finetune.task import Backend, RunError
from node.runtime.context import NodeContext
from node.wire.control import TrainStart, TrainStop, decode_command
from node.wire.status.services import FinetuneStatus

SpecKey = tuple[int, bytes]
"""(announcement time in ms, author key) of a RunSpec record: the earliest wins a conflict."""


class FinetuneService:
    """The daemon slot for one-byte SPSA finetuning."""

    name = "finetune"
    topics: tuple[str, ...] = (wire.RUNS_TOPIC,)

    def __init__(
        self,
        auto_join: bool = True,
        backend: Backend = "torch",
        encoder_dir: Path | None = None,
    ) -> None:
        self.auto_join = auto_join
        self.backend: Backend = backend
        self.encoder_dir = encoder_dir
        self.runs: dict[str, RunHandle] = {}
        self.specs: dict[str, wire.RunSpec] = {}
        self._spec_keys: dict[str, SpecKey] = {}
        self.failed: dict[str, str] = {}
        self.not_contributing: dict[str, str] = {}
        """Run id -> why this node sends no records for some of its rounds (said once)."""
        self._runs_cursor = 0
        self._node: NodeContext | None = None
        self._nursery: trio.Nursery | None = None
        self._starting: set[str] = set()

    async def run(self, node: NodeContext) -> None:
        self._node = node
        node.handle(
            CHECKPOINT_PROTOCOL, checkpoint_server(lambda: self.runs), max_request_bytes=128
        )
        self.runs, self.specs, self._runs_cursor = {}, {}, 0  # a restart rebuilds from the store
        self._spec_keys = {}
        last_status: FinetuneStatus | None = None
        async with trio.open_nursery() as nursery:
            self._nursery = nursery
            while True:
                await self._tail_specs(node)
                for handle in list(self.runs.values()):
                    await tail_run(node, handle)
                    await repair(node, handle)
                    await handle.call(handle.state.score_checkpoints)
                status = self.status()
                if status != last_status:
                    await node.report(status)
                    last_status = status
                await trio.sleep(1.0)

    def status(self) -> FinetuneStatus:
        return FinetuneStatus(
            backend=self.backend,
            runs={rid: h.state.summary() for rid, h in self.runs.items()},
            failed=dict(self.failed),
            not_contributing=dict(self.not_contributing),
            clock=self._node.clock_note() if self._node is not None else None,
        )

    # -- following the store ------------------------------------------------------------

    async def _tail_specs(self, node: NodeContext) -> None:
        records, self._runs_cursor = await records_after(node, wire.RUNS_TOPIC, self._runs_cursor)
        for record in records:
            spec = wire.decode_run_spec(record.body)
            key = (record.ts_ms, record.author)
            known = self.specs.get(spec.run_id)
            if known is not None:
                if spec != known:
                    await self._conflict(node, spec, key)
                continue
            self.specs[spec.run_id] = spec
            self._spec_keys[spec.run_id] = key
            if self.auto_join or spec.run_id in self._starting:
                await self._open(node, spec)

    async def _conflict(self, node: NodeContext, spec: wire.RunSpec, key: SpecKey) -> None:
        """Two announcements of one run id that differ (two starters raced): every node keeps
        the earliest (announcement time, then author key), switching before the run starts;
        a node already training on the other one keeps it and logs the conflict."""
        run_id, known = spec.run_id, self.specs[spec.run_id]
        if not key < self._spec_keys[run_id]:
            return
        if node.swarm_now_ms() >= known.start_ms:
            note = f"run {run_id}: an earlier, different announcement came after the start"
            await node.emit("finetune", note)
            return
        handle = self.runs.pop(run_id, None)
        if handle is not None:
            handle.scope.cancel()
        self.specs[run_id], self._spec_keys[run_id] = spec, key
        self.failed.pop(run_id, None)
        differs = ", ".join(f for f in spec_differences(known, spec) if f != "start_ms")
        note = f"run {run_id}: took the earlier announcement (it differs in {differs})"
        await node.emit("finetune", note)
        if self.auto_join or run_id in self._starting:
            await self._open(node, spec)

    async def _open(self, node: NodeContext, spec: wire.RunSpec) -> None:
        try:
            state = await trio.to_thread.run_sync(
                lambda: RunState.open(spec, node.peer_id, None, self.backend, self.encoder_dir)
            )
        except (RunError, ImportError, OSError) as exc:
            self.failed[spec.run_id] = str(exc)
            await node.emit(
                "finetune",
                f"cannot join {spec.run_id}: {exc}",
            )
            return
        handle = RunHandle(state, trio.CapacityLimiter(1))
        self.runs[spec.run_id] = handle
        await node.join_topic(grads_topic(spec.run_id))
        await node.join_topic(hashes_topic(spec.run_id))
        await node.emit("finetune", f"joined run {spec.run_id}")
        assert self._nursery is not None
        self._nursery.start_soon(self._drive_until_cancelled, node, handle)

    async def _drive_until_cancelled(self, node: NodeContext, handle: RunHandle) -> None:
        spec = handle.state.spec
        # Pulling, the service pulls the run's topics itself while it drives the run; the
        # sync loop's periodic pulls of them would only add exchanges (~0.9 kB each).
        own = {grads_topic(spec.run_id), hashes_topic(spec.run_id)}
        with node.pulling_itself(own if spec.grads_by == "pull" else set()), handle.scope:
            await self._drive(node, handle)

    # -- the round clock --------------------------------------------------------------

    async def _drive(self, node: NodeContext, handle: RunHandle) -> None:
        spec = handle.state.spec
        first = max(0, (node.swarm_now_ms() - spec.start_ms) // spec.round_ms)
        if first > 0 and handle.state.participating:
            await self._skipped(node, spec, min(first, spec.rounds))
        pulled = spec.grads_by == "pull"
        unannounced: list[int] = []  # pull transport: closed checkpoints wait for a pull
        for r in range(first, spec.rounds + 1):
            wait_ms = spec.start_ms + r * spec.round_ms - node.swarm_now_ms()
            await trio.sleep(max(0.0, wait_ms / 1000))
            pulls_now = pulled and r > 0 and r % spec.pull_every == 0
            if pulls_now:
                await pull(node, handle)
            await tail_run(node, handle)
            if r < spec.rounds and handle.state.participating:
                codes = await handle.call(handle.state.my_codes, r)
                if codes is not None:
                    body = wire.encode(wire.Grad.of(spec.run_id, r, codes))
                    # ValueError: already published before a restart (one record per round).
                    with contextlib.suppress(ValueError):
                        await publish(node, handle, grads_topic(spec.run_id), body, r)
            else:
                await handle.call(handle.state.advance_to, r)
            # Announce a checkpoint one round after it closed: late records have had time.
            # Pulling, at the first pull after that: peers then hash the same records.
            if announces_at(spec, r):
                unannounced.append(r - 1)
            if unannounced and (not pulled or pulls_now):
                for due in unannounced:
                    await announce(node, handle, due)
                unannounced.clear()
                handle.hashes_due = True  # the peers announced now too (same clock)
        await trio.sleep(spec.round_ms / 1000)
        if pulled:
            await pull(node, handle)
        await tail_run(node, handle)
        await handle.call(handle.state.advance_to, spec.rounds)
        for due in unannounced:
            await announce(node, handle, due)
        await announce(node, handle, spec.rounds)
        if pulled:
            await pull_final_hashes(node, handle)

    async def _skipped(self, node: NodeContext, spec: wire.RunSpec, skipped: int) -> None:
        """Say once, in status and an event, which rounds this node will send nothing for
        because they had closed by its clock when it joined, and what its clock says."""
        rounds = "round 0" if skipped == 1 else f"rounds 0-{skipped - 1}"
        if skipped >= spec.rounds:
            why = "the run had ended by this node's clock when it joined"
        else:
            why = f"{rounds} of {spec.rounds} had closed by this node's clock when it joined"
        clock = node.clock_note()
        if clock is not None:
            why += f" ({clock}; rounds refused)"
        self.not_contributing[spec.run_id] = why
        await node.emit("finetune", f"run {spec.run_id}: not contributing: {why}")

    # -- operator commands ---------------------------------------------------------------

    async def on_control(self, command: str, args: dict[str, Any]) -> dict[str, Any] | None:
        node = self._node
        if not command.startswith("train_"):
            return None
        if node is None:
            raise RunError("the finetune service is still starting")
        if command == TrainStart.command:
            return await self._start(node, decode_command(TrainStart, args))
        run_id = decode_command(TrainStop, args).run_id
        handle = self.runs.get(run_id)
        if handle is None:
            raise RunError(f"unknown run {run_id!r}")
        if command == TrainStop.command:
            handle.state.participating = False
            return {"run_id": run_id, "participating": False}
        raise RunError(f"unknown command {command!r}")

    async def _start(self, node: NodeContext, command: TrainStart) -> dict[str, Any]:
        missing = await trio.to_thread.run_sync(  # checked before anything is announced
            lambda: missing_encoder(command.model, self.backend, self.encoder_dir)
        )
        if missing is not None:
            raise RunError(missing)
        start_ms = node.swarm_now_ms() + int(command.delay_seconds * 1000)
        spec = await trio.to_thread.run_sync(lambda: new_spec(command, start_ms))
        known = self.specs.get(spec.run_id)
        if known is not None:
            fields = spec_differences(known, spec)
            fields = [f for f in fields if f != "start_ms"]
            if fields:
                raise RunError(f"run {spec.run_id} exists with different {', '.join(fields)}")
            return {"run_id": spec.run_id, "start_ms": known.start_ms, "existing": True}
        self._starting.add(spec.run_id)
        await node.publish_local(wire.RUNS_TOPIC, wire.encode(spec))
        return {"run_id": spec.run_id, "start_ms": spec.start_ms, "existing": False}
