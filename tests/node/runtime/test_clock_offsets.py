"""The offset estimator (pure), and a daemon with a skewed clock hook against a peer."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import trio

from node.config.settings import load_config
from node.runtime.clock_offsets import OffsetEstimator
from node.runtime.daemon import Daemon

BOUND = 30_000


def test_the_estimate_is_the_median_of_recent_samples() -> None:
    clocks = OffsetEstimator(samples=5)
    for offset in (-120_000, -119_000, 5_000_000, -121_000, -120_500):  # one stray sample
        clocks.add("p", offset)
    assert clocks.offset("p") == -120_000
    for _ in range(5):  # only the last ``samples`` count
        clocks.add("p", 10)
    assert clocks.offset("p") == 10
    assert clocks.offset("unknown") is None


def test_a_clock_ahead_of_every_peer_is_named_and_corrected_by_the_majority() -> None:
    clocks = OffsetEstimator()
    for peer, offset in (("a", -120_000), ("b", -119_000), ("c", -121_500)):
        clocks.add(peer, offset)
    verdict = clocks.verdict(BOUND)
    assert verdict.note == "clock 120 s ahead of 3 peers"
    assert verdict.correction_ms == -120_000
    assert not verdict.behind


def test_one_wrong_peer_never_moves_the_others_clock() -> None:
    clocks = OffsetEstimator()
    clocks.add("honest", 200)
    clocks.add("skewed", 120_000)  # its clock is 120 s ahead of ours
    verdict = clocks.verdict(BOUND)
    assert verdict.note == "clock 120 s behind 1 peer"
    assert verdict.correction_ms == 0  # one of two is no majority


def test_one_peer_alone_is_reported_but_not_followed() -> None:
    clocks = OffsetEstimator()
    clocks.add("only", -120_000)
    verdict = clocks.verdict(BOUND)
    assert verdict.note == "clock 120 s ahead of 1 peer"
    assert verdict.correction_ms == 0


def test_within_the_bound_is_no_news() -> None:
    clocks = OffsetEstimator()
    clocks.add("a", 29_000)
    clocks.add("b", -29_000)
    assert clocks.verdict(BOUND).note is None


@pytest.mark.network
def test_a_skewed_clock_hook_is_reported_in_status_and_one_event(tmp_path: Path) -> None:
    honest = Daemon(load_config(None, data_dir=str(tmp_path / "honest")))
    ahead = Daemon(
        load_config(None, data_dir=str(tmp_path / "ahead")),
        clock=lambda: time.time_ns() // 1_000_000 + 120_000,
    )

    async def main() -> None:
        async with trio.open_nursery() as nursery:
            await nursery.start(honest.run)
            await nursery.start(ahead.run)
            await ahead.p2p.connect(f"{honest.p2p.listen_addrs()[0]}/p2p/{honest.peer_id}")
            with trio.fail_after(20):
                while ahead.clock_note() is None or honest.clock_note() is None:
                    await trio.sleep(0.1)
            assert ahead.clock_note() == "clock 120 s ahead of 1 peer"
            assert honest.clock_note() == "clock 120 s behind 1 peer"
            assert ahead.swarm_now_ms() - ahead.clock() == 0  # one peer: not followed
            await ahead._write_status()
            await ahead._write_status()
            status = ahead._status(running=True).clock
            assert status.note == "clock 120 s ahead of 1 peer"
            offset = status.offsets_s[honest.peer_id]
            assert -121 < offset < -119
            events = [e for e in await ahead.db(ahead.store.recent_events, 50) if e.kind == "clock"]
            assert len(events) == 1 and "120 s ahead of 1 peer (bound 30 s)" in events[0].message
            nursery.cancel_scope.cancel()

    trio.run(main)
