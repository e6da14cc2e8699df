"""Whom catch-up asks first, and how many at once (node/runtime/pull_schedule.py)."""

from __future__ import annotations

from node.config.settings import SyncConfig
from node.runtime.pull_schedule import MAX_VISITS_PER_SLOT, PullSchedule


def _visit(schedule: PullSchedule, peer: str, now: float, *, ok: bool) -> None:
    schedule.start(peer)
    schedule.asking(peer, now)
    if ok:
        schedule.answered(peer, now)
    else:
        schedule.failed(peer, timed_out=True)
    schedule.finish(peer, now, found=True)


def test_recent_answers_first_then_strangers_in_random_order_then_failing_peers() -> None:
    schedule = PullSchedule(SyncConfig(interval=5.0))
    _visit(schedule, "zz-answered-long-ago", 0.0, ok=True)
    _visit(schedule, "zz-answered-lately", 3.0, ok=True)
    _visit(schedule, "aa-failing", 0.0, ok=False)
    strangers = [f"m-{i:02}" for i in range(20)]
    due = schedule.due(["aa-failing", *strangers, "zz-answered-long-ago", "zz-answered-lately"], 60)
    assert due[:2] == ["zz-answered-lately", "zz-answered-long-ago"]
    assert due[-1] == "aa-failing"
    assert sorted(due[2:-1]) == strangers and due[2:-1] != strangers  # not by peer id
    assert schedule.penalties() == {"aa-failing": 1}


def test_a_failing_peer_waits_out_its_own_backoff_and_new_records_do_not_shorten_it() -> None:
    schedule = PullSchedule(SyncConfig(interval=5.0, failure_max_interval=40.0))
    waits = []
    now = 0.0
    for _ in range(5):
        _visit(schedule, "slow", now, ok=False)
        schedule.saw_new()
        assert schedule.due(["slow"], now + schedule.peer("slow").failing.delay - 0.1) == []
        waits.append(schedule.peer("slow").failing.delay)
        now += waits[-1]
        assert schedule.due(["slow"], now) == ["slow"]
    assert waits == [10.0, 20.0, 40.0, 40.0, 40.0]
    _visit(schedule, "slow", now, ok=True)  # one answered visit and it is back to the base
    assert schedule.due(["slow"], now + 5.0) == ["slow"]


def test_stalled_visits_free_their_slots_up_to_a_cap_on_all_visits() -> None:
    schedule = PullSchedule(SyncConfig(max_in_flight=2, stall_after=1.0))
    started = 0
    for second in range(20):
        while schedule.has_room(float(second)):
            peer = f"silent-{started}"
            schedule.start(peer)
            schedule.asking(peer, float(second))  # ... and never answered
            started += 1
    assert started == 2 * MAX_VISITS_PER_SLOT == schedule.in_flight()
    assert not schedule.has_room(100.0)


def test_a_peer_that_refuses_sync_waits_the_longest_failure_backoff_at_once() -> None:
    schedule = PullSchedule(SyncConfig(interval=1.0, failure_max_interval=300.0))
    schedule.start("not-a-node")
    schedule.asking("not-a-node", 0.0)
    schedule.failed("not-a-node", timed_out=False)
    schedule.refused("not-a-node")
    schedule.finish("not-a-node", 0.0, found=False)
    assert schedule.due(["not-a-node"], 299.0) == []
    assert schedule.due(["not-a-node"], 300.0) == ["not-a-node"]
    schedule.disconnected("not-a-node")  # a new connection gets its visit at once
    assert schedule.due(["not-a-node"], 1.0) == ["not-a-node"]
