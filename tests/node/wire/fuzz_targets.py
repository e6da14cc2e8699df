"""What the wire fuzzer feeds: every decoder by name and the valid encodings its mutated
inputs start from."""

from __future__ import annotations

from collections.abc import Callable

from node import wire
from node.wire import Note, RecordBatch, SignedRecord, SyncRequest, SyncResponse
from node.wire.peers import (
    PeerHint,
    PeersRequest,
    PeersResponse,
    decode_peers_request,
    decode_peers_response,
)


def _record(seq: int, topic: str = wire.NOTES_TOPIC, body: bytes | None = None) -> SignedRecord:
    if body is None:
        body = wire.encode(Note(1, f"note {seq} ✓", seq / 3))
    return wire.sign_record(bytes([seq]) * 32, topic, seq, 1_700_000_000_000 + seq, body)


def seed_inputs() -> dict[str, list[bytes]]:
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
