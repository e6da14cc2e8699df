"""Mutation fuzzing of every node.wire decoder: malformed bytes raise WireError and nothing else.

Inputs are derived from valid encodings by a seeded ``random.Random``: bit flips, byte
overwrites with MessagePack type markers, truncation, extension, insertion, deletion,
duplication, splices across message types, stacked mutations and plain random bytes. The
default run feeds 25 targets x 20_000 = 500_000 inputs (about 3 s); the slow run
25 targets x 2 more seeds x 200_000 = 10 million.
Anything a decoder accepts must also survive a re-encode round trip and, for records,
a signature check that raises WireError or nothing.
"""

from __future__ import annotations

import contextlib
import random
from collections.abc import Callable

import pytest

from node import wire
from node.wire import Note, RecordBatch, SignedRecord, SyncRequest, SyncResponse, WireError
from node.wire.peers import (
    PeerHint,
    PeersRequest,
    PeersResponse,
    decode_peers_request,
    decode_peers_response,
)

DEFAULT_INPUTS_PER_TARGET = 20_000
SLOW_INPUTS_PER_TARGET = 200_000
FUZZ_SEEDS = (20240601, 7, 1234567)

# Type markers and boundary values of MessagePack: the bytes most likely to change a parse.
_MARKERS = bytes(
    [0x00, 0x01, 0x7F, 0x80, 0x8F, 0x90, 0x93, 0x97, 0x9F, 0xA0, 0xBF, *range(0xC0, 0xE1), 0xFF]
)


def _record(seq: int, topic: str = wire.NOTES_TOPIC, body: bytes | None = None) -> SignedRecord:
    if body is None:
        body = wire.encode(Note(1, f"note {seq} ✓", seq / 3))
    return wire.sign_record(bytes([seq]) * 32, topic, seq, 1_700_000_000_000 + seq, body)


def _seed_inputs() -> dict[str, list[bytes]]:
    records = [_record(1), _record(2), _record(3, "a" * 128, b""), _record(4, "x/y", bytes(300))]
    notes = [Note(1, "", 0.0), Note(1, "héllo ✓ 🐝", -2.5e29), Note(1, "x" * 1024, 1e-300)]
    clicks = [
        wire.Click(1, "jazz", ["a", "b", "c"], "b"),
        wire.Click(1, "q" * 256, ["i" * 128] * 50, "é" * 128),
        wire.Click(1, "jazz", [], "b", 2),
        wire.Click(1, "q" * 256, [], "é" * 128, wire.MAX_CLICK_POSITION),
    ]
    two_authors = [*records, _record(5, wire.NOTES_TOPIC)]
    prompt = wire.Prompt(1, "12D3KooW", "filter_feature", 3, bytes(114), bytes(32))
    return {
        "record": [wire.encode(r) for r in records],
        "batch": [
            wire.encode(RecordBatch(1, records[:1])),
            wire.encode(RecordBatch(1, records)),
        ],
        "sync_request": [
            wire.encode(SyncRequest(1, "byteswarm/notes", 0, 1, [])),
            wire.encode(
                SyncRequest(1, "a" * 128, 2**63 - 1, 1024, [wire.HeldRange(1, bytes(32), 0, 9)])
            ),
        ],
        "sync_response": [
            wire.encode(SyncResponse(1, [], 0, False)),
            wire.encode(SyncResponse(1, records, 99, True)),
        ],
        "packed_sync_response": [
            wire.encode(wire.pack_sync_response(SyncResponse(1, [], 0, False), "t")),
            wire.encode(
                wire.pack_sync_response(
                    SyncResponse(
                        1, [r for r in two_authors if r.topic == wire.NOTES_TOPIC], 9, True
                    ),
                    wire.NOTES_TOPIC,
                )
            ),
        ],
        "note": [wire.encode(n) for n in notes],
        "body": [wire.encode(n) for n in notes],
        "click": [wire.encode(c) for c in clicks],
        "run_spec": [
            wire.encode(
                wire.RunSpec(
                    1,
                    "run-1",
                    "tiny",
                    "shared",
                    0.03,
                    1e-3,
                    0.05,
                    100,
                    1000,
                    1_700_000_000_000,
                    10,
                    8,
                    bytes(32),
                    "a" * 64,
                    True,
                )
            )
        ],
        "grad": [
            wire.encode(wire.Grad.of("r", 0, (-127,))),
            wire.encode(wire.Grad.of("r", 7, (3, 127, 0, -5))),
        ],
        "theta_hash": [wire.encode(wire.ThetaHash(1, "run-9", 40, bytes(range(32))))],
        "cloud_hello": [wire.encode(wire.CloudHello(1, ["additive", "filter_feature"]))],
        "model_request": [wire.encode(wire.ModelRequest(1, "filter_feature"))],
        "model_blob": [wire.encode(wire.ModelBlob(1, "additive", bytes(range(200)), bytes(32)))],
        "image_upload": [
            wire.encode(wire.ImageUpload(1, bytes(32), 16, bytes(range(256)) * 2, [0.5, 1e-3]))
        ],
        "upload_ack": [wire.encode(wire.UploadAck(1, 7))],
        "prompt": [wire.encode(prompt)],
        "prompt_request": [wire.encode(wire.PromptRequest(1, "additive", 4))],
        "checkpoint_request": [wire.encode(wire.CheckpointRequest(1, "run-1", 40))],
        "heads_request": [wire.encode(wire.SyncHeadsRequest(1, ["byteswarm/notes", "x" * 128]))],
        "heads_response": [wire.encode(wire.SyncHeadsResponse(1, [0, 2**63 - 1, 17]))],
        "peers_request": [wire.encode(PeersRequest(1, 32, "device"))],
        "peers_response": [
            wire.encode(PeersResponse(1, "", [])),
            wire.encode(
                PeersResponse(
                    1,
                    "cloud",
                    [
                        PeerHint(1, "12D3KooWAmQZA6RX", ["/ip4/10.0.0.1/tcp/4001"], "cloud", 5),
                        PeerHint(1, "Qm" + "a" * 44, ["/ip6/::1/tcp/1", "/dns4/x.y/tcp/2"], "", 0),
                    ],
                )
            ),
        ],
        "checkpoint_blob": [
            wire.encode(
                wire.CheckpointBlob(1, "run-1", 40, bytes(range(100)), [wire.WindowKey(1, 39, "p")])
            )
        ],
        "prompt_reply": [
            wire.encode(wire.PromptReply(1, None)),
            wire.encode(
                wire.PromptReply(
                    1, wire.sign_record(bytes(32), wire.PROMPTS_TOPIC, 3, 1, wire.encode(prompt))
                )
            ),
        ],
    }


def _decode_body(data: bytes) -> object:
    return wire.decode_body(wire.NOTES_TOPIC, data)


TARGETS: dict[str, Callable[[bytes], object]] = {
    "record": wire.decode_record,
    "batch": wire.decode_record_batch,
    "sync_request": wire.decode_sync_request,
    "sync_response": wire.decode_sync_response,
    "packed_sync_response": wire.decode_packed_sync_response,
    "note": wire.decode_note,
    "body": _decode_body,
    "click": wire.decode_click,
    "run_spec": wire.decode_run_spec,
    "grad": wire.decode_grad,
    "theta_hash": wire.decode_theta_hash,
    "cloud_hello": wire.decode_cloud_hello,
    "model_request": wire.decode_model_request,
    "model_blob": wire.decode_model_blob,
    "image_upload": wire.decode_image_upload,
    "upload_ack": wire.decode_upload_ack,
    "prompt": wire.decode_prompt,
    "prompt_request": wire.decode_prompt_request,
    "prompt_reply": wire.decode_prompt_reply,
    "checkpoint_request": wire.decode_checkpoint_request,
    "checkpoint_blob": wire.decode_checkpoint_blob,
    "heads_request": wire.decode_sync_heads_request,
    "heads_response": wire.decode_sync_heads_response,
    "peers_request": decode_peers_request,
    "peers_response": decode_peers_response,
}


def _mutate_once(rng: random.Random, data: bytes, pool: list[bytes]) -> bytes:
    buf = bytearray(data)
    op = rng.randrange(9)
    if op == 0 and buf:  # flip 1..8 bits
        for _ in range(rng.randint(1, 8)):
            i = rng.randrange(len(buf) * 8)
            buf[i // 8] ^= 1 << (i % 8)
    elif op == 1 and buf:  # overwrite bytes with markers or random values
        for _ in range(rng.randint(1, 4)):
            value = rng.choice(_MARKERS) if rng.random() < 0.6 else rng.randrange(256)
            buf[rng.randrange(len(buf))] = value
    elif op == 2:  # truncate
        del buf[rng.randrange(len(buf) + 1) :]
    elif op == 3:  # extend
        buf += rng.randbytes(rng.randint(1, 16))
    elif op == 4:  # insert
        at = rng.randrange(len(buf) + 1)
        buf[at:at] = rng.randbytes(rng.randint(1, 8))
    elif op == 5 and buf:  # delete a range
        at = rng.randrange(len(buf))
        del buf[at : at + rng.randint(1, 16)]
    elif op == 6 and buf:  # duplicate a slice in place
        at = rng.randrange(len(buf))
        piece = buf[at : at + rng.randint(1, 32)]
        buf[at:at] = piece
    elif op == 7:  # splice with another valid encoding (possibly of another type)
        other = rng.choice(pool)
        buf = buf[: rng.randrange(len(buf) + 1)] + other[rng.randrange(len(other) + 1) :]
    else:  # random bytes, sometimes behind a plausible array header
        head = bytes([rng.choice((0x93, 0x94, 0x95, 0x97, 0xDC))]) if rng.random() < 0.5 else b""
        buf = bytearray(head + rng.randbytes(rng.randrange(64)))
    return bytes(buf)


def _mutate(rng: random.Random, data: bytes, pool: list[bytes]) -> bytes:
    for _ in range(1 if rng.random() < 0.7 else rng.randint(2, 4)):
        data = _mutate_once(rng, data, pool)
    return data


def _check_accepted(message: object) -> None:
    """What a decoder accepts must round-trip and be safe to signature-check."""
    if isinstance(
        message,
        SignedRecord
        | RecordBatch
        | SyncRequest
        | SyncResponse
        | wire.PackedSyncResponse
        | Note
        | wire.Click
        | wire.RunSpec
        | wire.Grad
        | wire.ThetaHash,
    ):
        again = TARGETS[_TARGET_OF[type(message)]](wire.encode(message))
        assert again == message
    records: list[SignedRecord] = []
    if isinstance(message, SignedRecord):
        records = [message]
    elif isinstance(message, RecordBatch | SyncResponse):
        records = list(message.records[:1])
    elif isinstance(message, wire.PackedSyncResponse):
        records = list(wire.unpack_sync_response(message).records[:1])
    for record in records:
        with contextlib.suppress(WireError):
            wire.check_record(record)


_TARGET_OF: dict[type, str] = {
    SignedRecord: "record",
    RecordBatch: "batch",
    SyncRequest: "sync_request",
    SyncResponse: "sync_response",
    wire.PackedSyncResponse: "packed_sync_response",
    Note: "note",
    wire.Click: "click",
    wire.RunSpec: "run_spec",
    wire.Grad: "grad",
    wire.ThetaHash: "theta_hash",
    wire.CloudHello: "cloud_hello",
    wire.ModelRequest: "model_request",
    wire.ModelBlob: "model_blob",
    wire.ImageUpload: "image_upload",
    wire.UploadAck: "upload_ack",
    wire.Prompt: "prompt",
    wire.PromptRequest: "prompt_request",
    wire.PromptReply: "prompt_reply",
    wire.CheckpointRequest: "checkpoint_request",
    wire.CheckpointBlob: "checkpoint_blob",
    wire.SyncHeadsRequest: "heads_request",
    wire.SyncHeadsResponse: "heads_response",
}


def _fuzz(target: str, count: int, seed: int) -> tuple[int, int]:
    """Feed ``count`` mutated inputs to one decoder; returns (accepted, rejected)."""
    seeds = _seed_inputs()
    pool = [data for inputs in seeds.values() for data in inputs]
    decode = TARGETS[target]
    rng = random.Random(f"{seed}/{target}")
    accepted = rejected = 0
    for i in range(count):
        data = _mutate(rng, rng.choice(seeds[target]), pool)
        try:
            message = decode(data)
        except WireError:
            rejected += 1
            continue
        except Exception as exc:  # the contract under test: nothing but WireError escapes
            pytest.fail(
                f"{target}: {type(exc).__name__}: {exc} (seed {seed}, input {i}: {data.hex()})"
            )
        try:
            _check_accepted(message)
        except Exception as exc:
            pytest.fail(
                f"{target}: accepted input broke a later check: {type(exc).__name__}: {exc} "
                f"(seed {seed}, input {i}: {data.hex()})"
            )
        accepted += 1
    return accepted, rejected


def test_seed_inputs_are_valid() -> None:
    for target, inputs in _seed_inputs().items():
        for data in inputs:
            TARGETS[target](data)


@pytest.mark.parametrize("target", sorted(TARGETS))
def test_mutated_inputs_raise_only_wire_error(target: str) -> None:
    accepted, rejected = _fuzz(target, DEFAULT_INPUTS_PER_TARGET, FUZZ_SEEDS[0])
    assert accepted + rejected == DEFAULT_INPUTS_PER_TARGET
    # Both outcomes occur, so the mutations neither all miss nor all destroy the input.
    assert accepted > 0
    assert rejected > DEFAULT_INPUTS_PER_TARGET // 10


@pytest.mark.slow
@pytest.mark.parametrize("seed", FUZZ_SEEDS[1:])
@pytest.mark.parametrize("target", sorted(TARGETS))
def test_mutated_inputs_raise_only_wire_error_long(target: str, seed: int) -> None:
    accepted, rejected = _fuzz(target, SLOW_INPUTS_PER_TARGET, seed)
    assert accepted > 0
    assert rejected > 0


def test_random_peer_ids_raise_only_wire_error() -> None:
    rng = random.Random(FUZZ_SEEDS[0])
    valid = wire.peer_id_from_author(bytes(range(32)))
    for _ in range(5_000):
        data = _mutate(rng, valid, [valid])
        try:
            author = wire.author_from_peer_id(data)
        except WireError:
            continue
        assert wire.peer_id_from_author(author) == data
