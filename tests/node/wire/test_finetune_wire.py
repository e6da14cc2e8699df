"""Finetune messages: int8 gradient codes, run specs decoding older layouts with defaults,
known transports and pull periods only."""

from __future__ import annotations

import msgspec
import pytest

from node import wire


def test_grad_codes_are_int8_within_127() -> None:
    grad = wire.decode_grad(wire.encode(wire.Grad.of("r", 3, (-127, 0, 5, 127))))
    assert grad.values == (-127, 0, 5, 127)
    with pytest.raises(wire.WireError, match="-128"):
        wire.decode_grad(wire.encode(wire.Grad(1, "r", 3, bytes([0x80]))))
    with pytest.raises(wire.WireError, match="outside"):
        wire.Grad.of("r", 3, (128,))
    with pytest.raises(wire.WireError):
        wire.decode_grad(wire.encode(wire.Grad(1, "r", 3, b"")))
    too_many = bytes(wire.MAX_PROBES + 1)
    with pytest.raises(wire.WireError):
        wire.decode_grad(msgspec.msgpack.encode((1, "r", 3, too_many)))


def test_a_run_spec_without_later_fields_decodes_with_their_defaults() -> None:
    spec = wire.RunSpec(
        1, "r", "tiny", "shared", 5e-3, 1e-3, 0.05, 10, 1000, 0, 5, 8, bytes(32), "x", True, 4
    )
    spec = msgspec.structs.replace(spec, decay_floor=0.1, rules=2)
    assert wire.decode_run_spec(wire.encode(spec)) == spec
    session_2 = msgspec.msgpack.encode(msgspec.structs.astuple(spec)[:-5])
    legacy = wire.decode_run_spec(session_2)  # no probes, decay_floor, rules
    assert (legacy.probes, legacy.decay_floor, legacy.rules) == (1, 1.0, 1)
    session_3 = msgspec.msgpack.encode(msgspec.structs.astuple(spec)[:-2])
    gossiped = wire.decode_run_spec(session_3)  # no grads_by, pull_every
    assert (gossiped.grads_by, gossiped.pull_every, gossiped.rules) == ("gossip", 8, 2)


def test_a_run_spec_with_an_unknown_transport_or_pull_period_is_refused() -> None:
    spec = wire.RunSpec(
        1, "r", "tiny", "shared", 5e-3, 1e-3, 0.05, 10, 1000, 0, 5, 8, bytes(32), "x", True, 4
    )
    pulled = msgspec.structs.replace(spec, grads_by="pull", pull_every=16)
    assert wire.decode_run_spec(wire.encode(pulled)) == pulled
    fields = list(msgspec.structs.astuple(pulled))
    for bad in (("push", 16), ("pull", 0), ("pull", wire.finetune.MAX_PULL_EVERY + 1)):
        fields[-2:] = bad
        with pytest.raises(wire.WireError):
            wire.decode_run_spec(msgspec.msgpack.encode(fields))
