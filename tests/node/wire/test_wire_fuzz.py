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

import pytest

from node import wire
from node.wire import Note, RecordBatch, SignedRecord, SyncRequest, SyncResponse, WireError
from tests.node.wire.fuzz_targets import TARGETS, seed_inputs
from tests.node.wire.mutations import mutate

DEFAULT_INPUTS_PER_TARGET = 20_000
SLOW_INPUTS_PER_TARGET = 200_000
FUZZ_SEEDS = (20240601, 7, 1234567)


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
    seeds = seed_inputs()
    pool = [data for inputs in seeds.values() for data in inputs]
    decode = TARGETS[target]
    rng = random.Random(f"{seed}/{target}")
    accepted = rejected = 0
    for i in range(count):
        data = mutate(rng, rng.choice(seeds[target]), pool)
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
    for target, inputs in seed_inputs().items():
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
        data = mutate(rng, valid, [valid])
        try:
            author = wire.author_from_peer_id(data)
        except WireError:
            continue
        assert wire.peer_id_from_author(author) == data
