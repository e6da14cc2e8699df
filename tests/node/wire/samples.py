"""What the wire tests share: two signing seeds, a signed note record, a signed prompt,
an author's public key and the decoder of every message type."""

from __future__ import annotations

from collections.abc import Callable

import msgspec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from node import wire
from node.wire import Note, RecordBatch, SignedRecord, SyncRequest, SyncResponse

SEED_A = bytes(range(32))
SEED_B = bytes(range(32, 64))
# RFC 8032 section 7.1, TEST 1: pins the seed -> public key derivation independently.
RFC8032_SEED = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
RFC8032_PUBLIC = bytes.fromhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")

DECODERS: dict[type[msgspec.Struct], Callable[[bytes], object]] = {
    SignedRecord: wire.decode_record,
    RecordBatch: wire.decode_record_batch,
    SyncRequest: wire.decode_sync_request,
    SyncResponse: wire.decode_sync_response,
    wire.PackedSyncResponse: wire.decode_packed_sync_response,
    Note: wire.decode_note,
    wire.Click: wire.decode_click,
    wire.RunSpec: wire.decode_run_spec,
    wire.Grad: wire.decode_grad,
    wire.ThetaHash: wire.decode_theta_hash,
    wire.CloudHello: wire.decode_cloud_hello,
    wire.ModelRequest: wire.decode_model_request,
    wire.ModelBlob: wire.decode_model_blob,
    wire.ImageUpload: wire.decode_image_upload,
    wire.UploadAck: wire.decode_upload_ack,
    wire.Prompt: wire.decode_prompt,
    wire.PromptRequest: wire.decode_prompt_request,
    wire.PromptReply: wire.decode_prompt_reply,
    wire.CheckpointRequest: wire.decode_checkpoint_request,
    wire.CheckpointBlob: wire.decode_checkpoint_blob,
    wire.SyncHeadsRequest: wire.decode_sync_heads_request,
    wire.SampleRequest: wire.decode_sample_request,
    wire.SyncHeadsResponse: wire.decode_sync_heads_response,
}


def note_record(seed: bytes = SEED_A, seq: int = 1) -> SignedRecord:
    body = wire.encode(Note(1, f"note {seq}", 0.25 * seq))
    return wire.sign_record(seed, wire.NOTES_TOPIC, seq, 1_700_000_000_000 + seq, body)


def public_key(seed: bytes) -> bytes:
    return Ed25519PrivateKey.from_private_bytes(seed).public_key().public_bytes_raw()


def signed_prompt(prompt: wire.Prompt, seed: bytes, seq: int) -> SignedRecord:
    return wire.sign_record(seed, wire.PROMPTS_TOPIC, seq, 1, wire.encode(prompt))
