"""Seeded mutations of valid encodings for the wire fuzzer: bit flips, MessagePack type
markers, truncation, extension, insertion, deletion, duplication, splices, random bytes."""

from __future__ import annotations

import random

# Type markers and boundary values of MessagePack: the bytes most likely to change a parse.
_MARKERS = bytes(
    [0x00, 0x01, 0x7F, 0x80, 0x8F, 0x90, 0x93, 0x97, 0x9F, 0xA0, 0xBF, *range(0xC0, 0xE1), 0xFF]
)


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


def mutate(rng: random.Random, data: bytes, pool: list[bytes]) -> bytes:
    for _ in range(1 if rng.random() < 0.7 else rng.randint(2, 4)):
        data = _mutate_once(rng, data, pool)
    return data
