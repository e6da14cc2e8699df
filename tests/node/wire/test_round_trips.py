"""node.wire round trips: every message type decodes to what was encoded; signed records
verify after a round trip."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from node import wire
from tests.node.wire.samples import DECODERS, SEED_A, note_record, public_key
from tests.node.wire.strategies import (
    batches,
    checkpoint_blobs,
    checkpoint_requests,
    clicks,
    cloud_hellos,
    grads,
    heads_requests,
    heads_responses,
    image_uploads,
    model_blobs,
    model_requests,
    notes,
    packed_sync_responses,
    prompt_replies,
    prompt_requests,
    prompts,
    records,
    run_specs,
    sample_requests,
    sync_requests,
    sync_responses,
    theta_hashes,
    topics,
    uint63,
    upload_acks,
)


@pytest.mark.parametrize(
    "strategy",
    [
        records,
        batches,
        sync_requests,
        sync_responses,
        packed_sync_responses,
        notes,
        clicks,
        run_specs,
        grads,
        theta_hashes,
        cloud_hellos,
        model_requests,
        model_blobs,
        image_uploads,
        upload_acks,
        prompts,
        prompt_requests,
        prompt_replies,
        checkpoint_requests,
        checkpoint_blobs,
        heads_requests,
        heads_responses,
        sample_requests,
    ],
    ids=[
        "record",
        "batch",
        "sync_request",
        "sync_response",
        "packed_sync_response",
        "note",
        "click",
        "run_spec",
        "grad",
        "theta_hash",
        "cloud_hello",
        "model_request",
        "model_blob",
        "image_upload",
        "upload_ack",
        "prompt",
        "prompt_request",
        "prompt_reply",
        "checkpoint_request",
        "checkpoint_blob",
        "heads_request",
        "heads_response",
        "sample_request",
    ],
)
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_encode_decode_round_trip(strategy: st.SearchStrategy[msgspec.Struct], data: Any) -> None:
    message = data.draw(strategy)
    raw = wire.encode(message)
    decoded = DECODERS[type(message)](raw)
    assert decoded == message
    assert type(decoded) is type(message)


@settings(max_examples=40, deadline=None)
@given(topic=topics, seq=uint63, ts_ms=uint63, body=st.binary(max_size=2000))
def test_sign_verify_round_trip(topic: str, seq: int, ts_ms: int, body: bytes) -> None:
    record = wire.sign_record(SEED_A, topic, seq, ts_ms, body)
    assert record.author == public_key(SEED_A)
    again = wire.decode_record(wire.encode(record))
    wire.verify_record(again)


def test_check_record_accepts_a_valid_note_record() -> None:
    wire.check_record(note_record())
