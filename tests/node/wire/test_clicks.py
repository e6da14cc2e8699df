"""Click bodies (rank): round trip, limits, the old layout without a position."""

from __future__ import annotations

import msgspec
import pytest

from node import wire
from node.wire import WireError


def test_click_round_trip_and_limits() -> None:
    click = wire.Click(wire.WIRE_VERSION, "jazz", ["a", "b"], "b")
    body = wire.encode(click)
    assert wire.decode_click(body) == click
    assert wire.decode_body(wire.CLICKS_TOPIC, body) == click
    for bad in (
        wire.Click(wire.WIRE_VERSION, "jazz", ["a"] * (wire.MAX_SHOWN + 1), "a"),
        wire.Click(wire.WIRE_VERSION, "", ["a"], "a"),
        wire.Click(wire.WIRE_VERSION, "jazz", ["a"], "x" * (wire.MAX_ITEM_ID_CHARS + 1)),
    ):
        with pytest.raises(wire.WireError):
            wire.decode_click(msgspec.msgpack.encode(msgspec.structs.astuple(bad)))


def test_old_click_bodies_decode_with_position_from_the_page() -> None:
    old = msgspec.msgpack.encode((wire.WIRE_VERSION, "jazz", ["a", "b", "c"], "b"))
    click = wire.decode_click(old)
    assert (click.shown, click.clicked, click.position) == (["a", "b", "c"], "b", 0)
    compact = wire.Click(wire.WIRE_VERSION, "jazz", [], "b", 2)
    assert wire.decode_click(wire.encode(compact)) == compact
    assert len(wire.encode(compact)) < len(old)
    for position in (-1, wire.MAX_CLICK_POSITION + 1):
        with pytest.raises(WireError):
            wire.decode_click(msgspec.msgpack.encode((1, "jazz", [], "b", position)))


def test_a_page_passed_over_carries_its_page_and_no_click() -> None:
    passed = wire.Click(wire.WIRE_VERSION, "jazz", ["a", "b", "c"], "")
    assert wire.decode_click(wire.encode(passed)) == passed and passed.passed_over
    assert not wire.Click(wire.WIRE_VERSION, "jazz", [], "b", 2).passed_over
    for bad in ((1, "jazz", [], ""), (1, "jazz", ["a"], "", 1)):  # no page; a position
        with pytest.raises(WireError, match="passed over"):
            wire.decode_click(msgspec.msgpack.encode(bad))
        with pytest.raises(WireError):
            wire.Click(*bad)  # type: ignore[arg-type]
