from __future__ import annotations

import dataclasses
import hashlib

import numpy as np
import pytest

from models.adapt.payload import PromptPayload, decode_prompt, encode_prompt
from models.adapt.prompts import additive_family, filter_feature_family
from models.adapt.validator import PromptValidator


def _good(version: int, value: float = 0.1) -> PromptPayload:
    return encode_prompt("additive", version, np.full(256, value, np.float32))


def _rehash(p: PromptPayload, data: bytes) -> PromptPayload:
    return dataclasses.replace(p, data=data, sha256=hashlib.sha256(data).hexdigest())


def test_payload_round_trip_is_fp16() -> None:
    flat = np.linspace(-1, 1, 57).astype(np.float32)
    p = encode_prompt("filter_feature", 3, flat)
    assert len(p.data) == 114 and p.wire_bytes == 114 + 8 + 32
    np.testing.assert_array_equal(decode_prompt(p), flat.astype(np.float16).astype(np.float32))


def test_accepts_a_good_prompt_and_keeps_it() -> None:
    v = PromptValidator(additive_family(), norm_bound=8.0)
    assert v.offer(_good(1)).accepted
    assert v.version == 1
    np.testing.assert_allclose(v.current, np.float16(0.1), rtol=0)


BAD = {
    "wrong shape": lambda: _rehash(_good(2), np.zeros(100, np.float16).tobytes()),
    "odd bytes": lambda: _rehash(_good(2), b"\x00" * 511),
    "nan": lambda: _rehash(_good(2), np.full(256, np.nan, np.float16).tobytes()),
    "inf": lambda: _rehash(_good(2), np.full(256, np.inf, np.float16).tobytes()),
    "huge norm": lambda: _good(2, value=5.0),  # L2 = 80 > 8
    "old version": lambda: _good(1),
    "same version": lambda: _good(1, value=0.2),
    "bad hash": lambda: dataclasses.replace(_good(2), sha256="0" * 64),
    "wrong family": lambda: dataclasses.replace(_good(2), family="filter_feature"),
    "wrong signer": lambda: dataclasses.replace(_good(2), signer="mallory"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_rejects_malicious_prompt_and_keeps_last_good(case: str) -> None:
    v = PromptValidator(
        additive_family(), norm_bound=8.0, signer_check=lambda p: p.signer in ("", "cloud")
    )
    assert v.offer(_good(1)).accepted
    before = v.current.copy()
    verdict = v.offer(BAD[case]())
    assert not verdict.accepted, case
    assert v.version == 1
    np.testing.assert_array_equal(v.current, before)
    assert v.offer(_good(2, value=-0.1)).accepted  # the device keeps working afterwards


def test_norm_is_measured_from_the_neutral_prompt() -> None:
    family = filter_feature_family()
    v = PromptValidator(family, norm_bound=1.0)
    # neutral scales are 1: a prompt at neutral has norm 0 even though its L2 norm is ~5
    assert v.offer(encode_prompt(family.name, 1, family.neutral())).accepted
    assert not v.offer(encode_prompt(family.name, 2, family.neutral() * 2)).accepted
