"""Adapt messages: uploads whose pixels match their scores, one-byte domain ids, prompt
replies signed on the prompts topic."""

from __future__ import annotations

import msgspec
import pytest

from node import wire
from node.wire import Note, WireError
from tests.node.wire.samples import SEED_A, SEED_B, public_key, signed_prompt


def test_an_upload_whose_pixels_do_not_match_its_scores_is_refused() -> None:
    bad = wire.ImageUpload(wire.WIRE_VERSION, bytes(32), 16, bytes(3 * 256), [0.1, 0.2])
    with pytest.raises(wire.WireError, match="do not match"):
        wire.decode_image_upload(wire.encode(bad))


def test_a_domain_id_outside_one_byte_is_refused_on_uploads_and_prompts() -> None:
    upload = wire.ImageUpload(wire.WIRE_VERSION, bytes(32), 16, bytes(256), [0.1], 255)
    assert wire.decode_image_upload(wire.encode(upload)).domain == 255
    prompt = wire.Prompt(1, "12D3KooW", "warp_filter_feature", 3, bytes(8), bytes(32), 7)
    assert wire.decode_prompt(wire.encode(prompt)).domain == 7
    for bad in (
        msgspec.structs.replace(upload, domain=256),
        msgspec.structs.replace(upload, domain=-1),
        msgspec.structs.replace(prompt, domain=256),
    ):
        raw = msgspec.msgpack.encode(msgspec.structs.astuple(bad))
        decode = wire.decode_prompt if isinstance(bad, wire.Prompt) else wire.decode_image_upload
        with pytest.raises(WireError):
            decode(raw)


def test_prompt_reply_refuses_a_record_of_another_topic_or_a_bad_signature() -> None:
    prompt = wire.Prompt(1, "12D3KooW", "additive", 3, bytes(8), bytes(32))
    note_topic = wire.sign_record(SEED_A, wire.NOTES_TOPIC, 1, 1, wire.encode(Note(1, "x", 0.0)))
    with pytest.raises(WireError, match="topic"):
        wire.decode_prompt_reply(wire.encode(wire.PromptReply(1, note_topic)))
    good = signed_prompt(prompt, SEED_A, 3)
    forged = msgspec.structs.replace(good, author=public_key(SEED_B))
    with pytest.raises(WireError):
        wire.decode_prompt_reply(wire.encode(wire.PromptReply(1, forged)))
    assert wire.decode_prompt_reply(wire.encode(wire.PromptReply(1, good))).record == good
