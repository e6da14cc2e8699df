"""How a finetune run's records travel: tailing the store, publishing, hash announcements,
repair pulls, and the pull transport.

Every record a node holds for a run (its own, gossiped, pulled) is read back from the store
by ``tail_run`` and offered to the run's replica. After each checkpoint a node announces
SHA-256(θ) on ``finetune/hashes/<run>``; ``repair`` pulls the records of peers that
announced another hash, settles finality, adopts a final checkpoint a pull could not reach
and re-announces if our hash moved. With ``RunSpec.grads_by = "pull"`` records are
committed without gossip and pulled from every connected peer every ``pull_every`` rounds.
"""

from __future__ import annotations

import trio

from node import wire
from node.finetune.checkpoints import RunHandle, adopt_final_checkpoint
from node.finetune.log import Stored, grads_topic, hashes_topic, in_store_order, take
from node.finetune.run import RunState
from node.runtime.context import NodeContext

RECORDS_PAGE = 4096
"""Records read from the store per call while tailing a topic."""
MAX_PAGE_BYTES = 1 << 26
FINAL_PULLS = 15
"""Pull transport: rounds spent pulling the final announcements after the last round."""
ADOPT_AFTER = 5
"""Repair rounds (about a second each) of disagreeing with a final hash before adopting it."""


async def stored_after(
    node: NodeContext, topic: str, cursor: int
) -> tuple[list[Stored], int, bool]:
    """The next page of ``topic``'s stored records after ``cursor`` with their cursors, the
    new cursor, and whether more records follow."""
    rows, cursor, more = await node.db(
        node.store.records_since, topic, cursor, RECORDS_PAGE, MAX_PAGE_BYTES
    )
    return [(row.cursor, wire.decode_record(row.blob)) for row in rows], cursor, more


async def records_after(
    node: NodeContext, topic: str, cursor: int
) -> tuple[list[wire.SignedRecord], int]:
    """The next page of ``topic``'s stored records after ``cursor``, and the new cursor."""
    stored, cursor, _ = await stored_after(node, topic, cursor)
    return [record for _, record in stored], cursor


async def tail_run(node: NodeContext, handle: RunHandle) -> None:
    """Hand the run's newly stored records to the replica in store order (``log.py``)."""
    run_id = handle.state.spec.run_id
    grads, grads_end, grads_more = await stored_after(
        node, grads_topic(run_id), handle.grads_cursor
    )
    hashes, hashes_end, hashes_more = await stored_after(
        node, hashes_topic(run_id), handle.hashes_cursor
    )
    # A page cut short by its limit: take the other topic's records only up to where it
    # stopped (the rest come with the next page), so store order holds across pages.
    cut = [end for end, more in ((grads_end, grads_more), (hashes_end, hashes_more)) if more]
    end = min(cut, default=max(grads_end, hashes_end))
    log = [(c, r) for c, r in in_store_order(grads, hashes) if c <= end]
    handle.grads_cursor, handle.hashes_cursor = min(grads_end, end), min(hashes_end, end)
    if log:
        await handle.call(take, handle.state, [record for _, record in log])


# -- pull transport -----------------------------------------------------------------


def announces_at(spec: wire.RunSpec, r: int) -> bool:
    """Round r's start is when checkpoint r - 1 (if it is one) is announced."""
    due = r - 1
    return due > 0 and (due % spec.checkpoint_every == 0 or due == spec.rounds)


async def pull(node: NodeContext, handle: RunHandle) -> None:
    """Pull the run's grads from every connected peer, and its hash announcements on the
    first pull and after announcing (everyone announces at the same pull rounds)."""
    run_id = handle.state.spec.run_id
    topics = [grads_topic(run_id)]
    if handle.hashes_due or not handle.hashes_pulled:
        topics.append(hashes_topic(run_id))
        handle.hashes_due, handle.hashes_pulled = False, True
    await pull_topics(node, handle, topics)


async def pull_topics(
    node: NodeContext, handle: RunHandle, topics: list[str], peers: list[str] | None = None
) -> None:
    """Pull ``topics`` from ``peers`` (default: every connected peer), then tail the run."""
    handle.state.pulls += 1
    for peer in node.connected_peers() if peers is None else peers:
        await pull_from(node, peer, topics, "pull")
    await tail_run(node, handle)


async def pull_from(node: NodeContext, peer: str, topics: list[str], why: str) -> None:
    """Pull each of ``topics`` from ``peer``; a failure is logged (a bad or gone peer must
    not stop the run)."""
    for topic in topics:
        try:
            await node.pull(peer, topic)
        except Exception as exc:
            node.log.info("%s of %s from %s failed: %s", why, topic, peer, exc)


async def pull_final_hashes(node: NodeContext, handle: RunHandle) -> None:
    """After the last round: pull the final announcements of every peer we know in the
    run (relayed ones too: not every member is connected to us) until they all hold our
    hash (a late record moves a hash, and the repair path re-announces it), a round
    apart, for a while; the daemon's catch-up loop covers anything later."""
    state = handle.state
    waiting: list[str] | None = None  # the first time: every connected peer
    for _ in range(FINAL_PULLS):
        await trio.sleep(state.spec.round_ms / 1000)
        await pull_topics(node, handle, [hashes_topic(state.spec.run_id)], waiting)
        connected = node.connected_peers()
        members = set(connected).union(*state.announced.values()) - {state.self_id}
        final = state.announced.get(state.spec.rounds, {})
        ours = await handle.call(hash_at, state, state.spec.rounds)
        missing = {p for p in members if final.get(p) != ours}
        if not missing:
            return
        # Ask again only the connected peers that have not announced our hash yet (each
        # pull is an exchange of ~0.7 kB); a member we only hear of through relays makes
        # us ask everyone, since any of them may relay it.
        waiting = [p for p in connected if p in missing]
        if not waiting or missing - set(connected):
            waiting = None


async def publish(
    node: NodeContext, handle: RunHandle, topic: str, body: bytes, seq: int | None = None
) -> None:
    gossip = handle.state.spec.grads_by == "gossip"
    await node.publish_local(topic, body, seq, gossip=gossip)
    handle.state.gossiped += int(gossip)


def hash_at(state: RunState, round_index: int) -> bytes | None:
    if round_index == state.spec.rounds and state.replica.round == round_index:
        state.replica.catch_up()
        return bytes.fromhex(state.replica.sha256)
    return state.checkpoint_hash(round_index)


async def announce(node: NodeContext, handle: RunHandle, round_index: int) -> None:
    ours = await handle.call(hash_at, handle.state, round_index)
    if ours is None:
        return
    handle.announced_ours = handle.announced_ours or {}
    if handle.announced_ours.get(round_index) == ours:
        return
    handle.announced_ours[round_index] = ours
    spec = handle.state.spec
    body = wire.encode(wire.ThetaHash(wire.WIRE_VERSION, spec.run_id, round_index, ours))
    await publish(node, handle, hashes_topic(spec.run_id), body)


async def repair(node: NodeContext, handle: RunHandle) -> None:
    """Pull the records of peers that announced another hash; settle finality; adopt a
    final checkpoint a pull could not reach; re-announce if our hash moved."""
    state = handle.state
    # Every checkpoint anyone announced, not only ours: after a restart we have announced
    # nothing yet, and a stale announcement of ours from before the crash must be replaced.
    rounds = set(handle.announced_ours or {}) | set(state.announced)
    for round_index in sorted(r for r in rounds if r <= state.replica.round):
        peers = await handle.call(disagreeing, state, round_index)
        # Pulling, their re-announcements do not come by gossip either: pull them too.
        topics = [grads_topic(state.spec.run_id)]
        if state.spec.grads_by == "pull":
            topics.append(hashes_topic(state.spec.run_id))
        for peer in peers:
            if peer in node.connected_peers():
                await pull_from(node, peer, topics, "repair pull")
        if peers:
            await tail_run(node, handle)
        verdict, holders = await handle.call(state.settle, round_index)
        if verdict != "adopt":
            handle.adopt_tries.pop(round_index, None)
        else:
            tries = handle.adopt_tries[round_index] = handle.adopt_tries.get(round_index, 0) + 1
            # Pulls have had ADOPT_AFTER rounds of repair (a restarted node catches up in
            # fewer): what is left are records of ours that the majority never held.
            if tries >= ADOPT_AFTER:
                await adopt_final_checkpoint(node, handle, round_index, holders)
        # Late records (pulled here or by the sync loop) may have moved our own hash.
        await announce(node, handle, round_index)


def disagreeing(state: RunState, round_index: int) -> list[str]:
    ours = hash_at(state, round_index)
    peers = state.announced.get(round_index, {})
    return sorted(p for p, h in peers.items() if ours is not None and h != ours)
