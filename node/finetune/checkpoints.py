"""Serving and adopting final checkpoints of a finetune run (request/response).

A node whose θ at a final checkpoint differs from the majority's, even after pulling the
records of the peers that announced it, asks one of them for the checkpoint over
``/byteswarm/finetune/checkpoint/1.0.0``: θ and scales (safetensors) plus the keys of the
window records, checked and applied by ``RunState.adopt`` (node/finetune/finality.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import trio

from node import wire
from node.finetune.run import RunState
from node.runtime.context import NodeContext

CHECKPOINT_PROTOCOL = "/byteswarm/finetune/checkpoint/1.0.0"


@dataclass
class RunHandle:
    """A run in the service: its state, the one worker thread that touches it, cursors."""

    state: RunState
    limiter: trio.CapacityLimiter
    grads_cursor: int = 0
    hashes_cursor: int = 0
    announced_ours: dict[int, bytes] | None = None
    adopt_tries: dict[int, int] = field(default_factory=dict)
    hashes_pulled: bool = False
    """Pull transport: whether the run's announcements were ever pulled."""
    hashes_due: bool = False
    """Pull transport: announcements were made since the last pull of them."""
    scope: trio.CancelScope = field(default_factory=trio.CancelScope)
    """Cancels the run's round clock (a run replaced by an earlier announcement)."""

    async def call(self, fn: Any, *args: Any) -> Any:
        return await trio.to_thread.run_sync(fn, *args, limiter=self.limiter)


async def adopt_final_checkpoint(
    node: NodeContext, handle: RunHandle, round_index: int, holders: list[str]
) -> None:
    """Fetch a final checkpoint from a peer that holds it and rebuild our replica on it."""
    run_id = handle.state.spec.run_id
    request = wire.encode(wire.CheckpointRequest(wire.WIRE_VERSION, run_id, round_index))
    for peer in holders:
        if peer not in node.connected_peers():
            continue
        try:
            data = await node.request(
                peer, CHECKPOINT_PROTOCOL, request, wire.MAX_CHECKPOINT_BYTES + (1 << 20)
            )
            blob = wire.decode_checkpoint_blob(data)
        except Exception as exc:  # a bad or gone peer: try the next holder
            node.log.info("checkpoint fetch from %s failed: %s", peer, exc)
            continue
        if blob.run_id != run_id or blob.round != round_index:
            continue
        window = [(k.round, k.author) for k in blob.window]
        try:
            outcome = await handle.call(handle.state.adopt, round_index, blob.tensors, window)
        except (ValueError, KeyError) as exc:  # unreadable tensors
            outcome = f"unreadable checkpoint: {exc}"
        await node.emit(
            "finetune",
            f"run {run_id}: checkpoint {round_index} from {peer}: {outcome}",
        )
        if outcome == "adopted":
            return


def checkpoint_server(runs: Callable[[], dict[str, RunHandle]]) -> Any:
    """The handler of CHECKPOINT_PROTOCOL: our checkpoint of a run we hold, by round."""

    async def serve(data: bytes, peer: str) -> bytes:
        request = wire.decode_checkpoint_request(data)
        handle = runs().get(request.run_id)
        if handle is None:
            raise ValueError(f"unknown run {request.run_id!r}")
        found = await handle.call(handle.state.checkpoint_blob, request.round)
        if found is None:
            raise ValueError(f"no checkpoint {request.round} of {request.run_id}")
        tensors, keys = found
        window = [wire.WindowKey(wire.WIRE_VERSION, r, a) for r, a in keys]
        return wire.encode(
            wire.CheckpointBlob(wire.WIRE_VERSION, request.run_id, request.round, tensors, window)
        )

    return serve
