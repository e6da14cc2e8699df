"""The offset estimator (pure), and a daemon with a skewed clock hook against a peer."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import trio

from node.config.errors import ConfigError
from node.config.settings import load_config
from node.runtime.clock_offsets import ClockVerdict, OffsetEstimator
from node.runtime.clock_watch import ClockWatch
from node.runtime.daemon import Daemon

BOUND = 30_000
MAX_CORRECTION = 180_000


def vote(clocks: OffsetEstimator, hosts: dict[str, str]) -> ClockVerdict:
    return clocks.vote(BOUND, hosts, 2, MAX_CORRECTION)


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
    verdict = vote(clocks, {"a": "10.0.0.1", "b": "10.0.0.2", "c": "10.0.0.3"})
    assert verdict.note == "clock 120 s ahead of 3 peers"
    assert verdict.correction_ms == -120_000
    assert verdict.hosts == 3
    assert not verdict.behind


def test_one_wrong_peer_never_moves_the_others_clock() -> None:
    clocks = OffsetEstimator()
    clocks.add("honest", 200)
    clocks.add("skewed", 120_000)  # its clock is 120 s ahead of ours
    verdict = vote(clocks, {"honest": "10.0.0.1", "skewed": "10.0.0.2"})
    assert verdict.note == "clock 120 s behind 1 peer"
    assert verdict.correction_ms == 0  # one of two is no majority


def test_one_peer_alone_is_reported_but_not_followed() -> None:
    clocks = OffsetEstimator()
    clocks.add("only", -120_000)
    verdict = vote(clocks, {"only": "10.0.0.1"})
    assert verdict.note == "clock 120 s ahead of 1 peer"
    assert verdict.correction_ms == 0


def test_within_the_bound_is_no_news() -> None:
    clocks = OffsetEstimator()
    clocks.add("a", 29_000)
    clocks.add("b", -29_000)
    assert clocks.verdict(BOUND).note is None


def sybils(clocks: OffsetEstimator, count: int, offset_ms: int, ip: str | None) -> dict[str, str]:
    hosts = {}
    for i in range(count):
        clocks.add(f"sybil{i}", offset_ms)
        hosts[f"sybil{i}"] = ip or f"10.1.0.{i + 1}"
    return hosts


def test_twenty_sybils_on_one_host_are_one_vote() -> None:
    clocks = OffsetEstimator()
    for peer in ("h1", "h2"):
        clocks.add(peer, 100)
    hosts = {"h1": "10.0.0.1", "h2": "10.0.0.2"} | sybils(clocks, 20, 300_000, "10.9.9.9")
    verdict = vote(clocks, hosts)
    assert verdict.hosts == 3
    assert verdict.correction_ms == 0  # 1 host of 3 says +300 s: no majority
    assert verdict.note == "clock 300 s behind 20 peers"


def test_twenty_sybil_hosts_claiming_300s_do_not_move_the_clock_past_the_bound() -> None:
    clocks = OffsetEstimator()
    clocks.add("honest", 100)
    hosts = {"honest": "10.0.0.1"} | sybils(clocks, 20, 300_000, None)
    verdict = vote(clocks, hosts)
    assert verdict.hosts == 21
    assert verdict.correction_ms == 0  # a majority of hosts, but beyond max_correction
    assert verdict.refused_ms == 300_000
    assert verdict.note is not None
    assert "beyond the 180 s clock.max_correction: not corrected" in verdict.note
    assert "finetune contributions may be refused" in verdict.note
    # within the bound they do move it: the limit is max_correction, said in the docs
    clocks = OffsetEstimator()
    clocks.add("honest", 100)
    hosts = {"honest": "10.0.0.1"} | sybils(clocks, 20, 100_000, None)
    assert vote(clocks, hosts).correction_ms == 100_000


def test_one_host_alone_never_corrects_and_unconnected_authors_do_not_vote() -> None:
    clocks = OffsetEstimator()
    hosts = sybils(clocks, 5, -120_000, "127.0.0.1")  # five nodes on one machine
    clocks.add("author", -120_000)  # only seen through its gossiped records
    verdict = vote(clocks, hosts)
    assert (verdict.hosts, verdict.correction_ms) == (1, 0)
    assert verdict.note == "clock 120 s ahead of 6 peers"


def test_the_clock_keys_are_checked() -> None:
    with pytest.raises(ConfigError, match=r"clock\.min_hosts"):
        load_config(None, clock={"min_hosts": 1})
    with pytest.raises(ConfigError, match=r"clock\.max_correction"):
        load_config(None, clock={"max_correction": -1.0})
    assert load_config(None).clock.max_correction == 180.0


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
            await ahead.status_report.write()
            await ahead.status_report.write()
            status = ahead.status_report.snapshot(running=True).clock
            assert status.note == "clock 120 s ahead of 1 peer"
            offset = status.offsets_s[honest.peer_id]
            assert -121 < offset < -119
            events = [e for e in await ahead.db(ahead.store.recent_events, 50) if e.kind == "clock"]
            assert len(events) == 1 and "120 s ahead of 1 peer (bound 30 s)" in events[0].message
            nursery.cancel_scope.cancel()

    trio.run(main)


class SybilHost:
    """The part of ``P2PNode`` a ``ClockWatch`` reads: every peer's IP."""

    def __init__(self, ips: dict[str, str]) -> None:
        self.ips = ips

    def remote_ips(self, peer: str) -> set[str]:
        return {self.ips[peer]} if peer in self.ips else set()


def test_a_watch_under_sybils_keeps_its_clock_and_says_why_once() -> None:
    ips = {f"sybil{i}": f"10.1.0.{i + 1}" for i in range(20)} | {"honest": "10.0.0.1"}
    now = 1_000_000_000
    watch = ClockWatch(load_config(None), SybilHost(ips), b"me", lambda: now)  # type: ignore[arg-type]
    watch.note_hosts(set(ips))
    watch.add("honest", 50)
    for i in range(20):
        watch.add(f"sybil{i}", 300_000)
    assert watch.swarm_ms() == now  # not moved: beyond clock.max_correction
    status = watch.status()
    assert (status.hosts, status.refused_correction_s, status.correction_s) == (21, 300.0, 0.0)
    news = watch.news()
    assert [level for level, _ in news] == ["warning", "warning"]
    assert "not corrected" in news[-1][1]
    watch.add("sybil0", 300_000)
    assert watch.news() == []  # said once
