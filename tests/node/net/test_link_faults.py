"""The fault-injecting TCP transport (node/net/link_faults.py) and its ``[link_faults]`` rules:
the schedule of shaped writes in simulated time, and real libp2p hosts whose request round
trips take the delay a rule sets, for the peers it names and no other."""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
import trio
import trio.testing

from node.config.errors import ConfigError
from node.config.link_faults import LinkFault, LinkFaultsConfig, parse_rule
from node.config.settings import load_config
from node.net.host import P2PNode
from node.net.link_faults import QUEUE, SEGMENT, ShapedStream
from tests.node.net.echo_pair import ECHO, echo_pair


def test_a_rule_parses_into_seconds_probability_and_bytes_per_second() -> None:
    fault = parse_rule("10.77.0.0/24 delay_ms=50 jitter_ms=10 drop=0.05 kbps=800 rto_ms=300")
    assert (fault.delay, fault.jitter, fault.drop, fault.rto, fault.rate) == (
        0.05, 0.01, 0.05, 0.3, 100_000.0,
    )  # fmt: skip
    assert fault.matches("10.77.0.9") and not fault.matches("10.78.0.1")
    assert not fault.matches("not-an-address")
    assert parse_rule("* delay_ms=1").matches("::1")


def test_the_first_matching_rule_applies() -> None:
    config = LinkFaultsConfig(rules=("10.77.0.3 delay_ms=50", "* delay_ms=5"))
    first, rest = config.faults()
    assert first.matches("10.77.0.3") and first.delay == 0.05
    assert not first.matches("10.77.0.4") and rest.matches("10.77.0.4")


@pytest.mark.parametrize(
    ("rule", "needle"),
    [
        ("", "an empty rule"),
        ("10.77.0.300 delay_ms=5", "not an address"),
        ("* latency=5", "unknown setting"),
        ("* delay_ms=fast", "must be a number"),
        ("* delay_ms=nan", "finite number"),
        ("* delay_ms=-1", "finite number"),
        ("* drop=0.9", "at most 0.5"),
        ("* delay_ms=5 jitter_ms=10", "jitter_ms must not exceed"),
    ],
)
def test_a_bad_rule_is_a_config_error_naming_it(tmp_path: Path, rule: str, needle: str) -> None:
    path = tmp_path / "c.toml"
    path.write_text(f'[link_faults]\nrules = ["* delay_ms=1", "{rule}"]\n')
    with pytest.raises(ConfigError, match=r"link_faults\.rules\[1\]: .*" + needle):
        load_config(path)


def test_no_rules_no_fault_layer() -> None:
    assert load_config(None).link_faults.rules == ()


class Wire:
    """A fake raw stream: when each write reached it (simulated time)."""

    def __init__(self) -> None:
        self.arrivals: list[tuple[float, bytes]] = []

    async def write(self, data: bytes) -> None:
        self.arrivals.append((trio.current_time(), data))

    async def read(self, n: int | None = None) -> bytes:
        return b""

    async def close(self) -> None:
        return None

    def get_remote_address(self) -> tuple[str, int]:
        return ("10.77.0.2", 4001)


def shaped_arrivals(fault: LinkFault, writes: list[bytes], gap: float = 0.0) -> list[float]:
    """Send ``writes`` (``gap`` seconds apart) through a shaped stream; arrival offsets."""
    wire_ = Wire()
    counters: Counter[str] = Counter()

    async def main() -> None:
        stream = ShapedStream(wire_, fault, random.Random(1), counters)  # type: ignore[arg-type]
        for data in writes:
            await stream.write(data)
            await trio.sleep(gap)
        await trio.sleep(60)

    trio.run(main, clock=trio.testing.MockClock(autojump_threshold=0))
    assert [d for _, d in wire_.arrivals] == writes, "bytes lost or reordered"
    return [t - i * gap for i, (t, _) in enumerate(wire_.arrivals)]


def test_delay_and_jitter_shift_each_write_and_keep_the_order() -> None:
    writes = [bytes([i]) * 10 for i in range(200)]
    delays = shaped_arrivals(LinkFault(None, delay=0.05, jitter=0.02), writes, gap=0.001)
    assert min(delays) >= 0.03 - 1e-9
    assert max(delays) <= 0.07 + 1e-9
    assert max(delays) - min(delays) > 0.02  # jitter did spread them


def test_bandwidth_spaces_writes_by_their_size() -> None:
    writes = [b"x" * 10_000] * 10
    arrivals = shaped_arrivals(LinkFault(None, rate=100_000.0), writes)
    assert arrivals[-1] == pytest.approx(1.0)  # 100 kB at 100 kB/s


def test_loss_is_a_retransmission_stall_that_blocks_what_follows() -> None:
    fault = LinkFault(None, delay=0.01, drop=0.5, rto=0.2)
    delays = shaped_arrivals(fault, [b"y" * SEGMENT] * 400, gap=0.5)
    stalled = [d for d in delays if d > 0.1]
    assert 0.35 < len(stalled) / len(delays) < 0.65  # a segment lost with p = 0.5
    assert all(d == pytest.approx(0.21) for d in stalled)
    # two writes back to back: a stall on the first holds the second behind it
    pair = shaped_arrivals(LinkFault(None, drop=0.5, rto=0.2), [b"a", b"b"] * 50)
    assert pair == sorted(pair)


@asynccontextmanager
async def pair(tmp: Path, rules: tuple[str, ...]) -> AsyncIterator[tuple[P2PNode, P2PNode]]:
    """An echo server and a client whose sends follow ``rules``, connected on 127.0.0.1."""

    async def echo(data: bytes, peer: str) -> bytes:
        return data

    server = {"link_faults": {"rules": []}}
    client = {"link_faults": {"rules": list(rules)}}
    async with echo_pair(tmp, echo, server, client) as nodes:
        yield nodes


def round_trips(tmp: Path, rules: tuple[str, ...]) -> tuple[float, Counter[str]]:
    """Median seconds of 7 echo round trips from the client, and its counters."""
    times: list[float] = []
    counters: Counter[str] = Counter()

    async def main() -> None:
        async with pair(tmp, rules) as (server, client):
            await client.request(server.peer_id, ECHO, b"warm", 64)
            for _ in range(7):
                start = time.perf_counter()
                assert await client.request(server.peer_id, ECHO, b"ping", 64) == b"ping"
                times.append(time.perf_counter() - start)
            counters.update(client.counters)

    trio.run(main)
    return sorted(times)[3], counters


@pytest.mark.network
def test_a_rule_delays_the_peers_it_names_and_no_other(tmp_path: Path) -> None:
    delayed, counters = round_trips(tmp_path / "a", ("127.0.0.1 delay_ms=150",))
    assert delayed >= 0.15
    assert counters["link_fault_connections"] >= 1 and counters["link_fault_writes"] > 0
    other, counters = round_trips(tmp_path / "b", ("10.9.9.9 delay_ms=400",))
    assert other < 0.15
    assert counters["link_fault_connections"] == 0


def test_a_broken_connection_fails_the_next_write_even_one_waiting_for_room() -> None:
    class Broken(Wire):
        async def write(self, data: bytes) -> None:
            raise ConnectionResetError("gone")

    async def main() -> None:
        fault = LinkFault(None, delay=0.01)
        stream = ShapedStream(Broken(), fault, random.Random(0), Counter())  # type: ignore[arg-type]
        with trio.fail_after(5):
            with pytest.raises(ConnectionResetError):
                for _ in range(QUEUE + 10):  # the pump dies on the first; the queue fills
                    await stream.write(b"x")
            with pytest.raises(ConnectionResetError):
                await stream.write(b"x")

    trio.run(main, clock=trio.testing.MockClock(autojump_threshold=0))
