"""Rademacher ±1 directions from a keyed integer counter hash, identical on every device.

Element i of the direction for a key k is the top bit of splitmix64's output for the
counter state ``k + (i + 1) · γ`` (mod 2⁶⁴), the same sequence ``splitmix64`` seeded with k
yields. The key is blake2b over (run, round, peer or "shared"), plus the probe index for a
peer's second and later directions of a round (probe 0 keeps the one-probe key, so runs with
one probe per round keep their directions). Nothing here touches numpy's
or torch's RNG streams, whose outputs differ across versions, devices and tensor shapes.
"""

from __future__ import annotations

import hashlib

import numpy as np
import numpy.typing as npt

GENERATOR_VERSION = "splitmix64-rademacher-v1"
SHARED = "shared"
"""The peer field of a round's shared direction (``shared`` mode)."""

_GAMMA = np.uint64(0x9E3779B97F4A7C15)
_MUL1 = np.uint64(0xBF58476D1CE4E5B9)
_MUL2 = np.uint64(0x94D049BB133111EB)


def mix64(x: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    """splitmix64's finaliser, elementwise; uint64 arithmetic wraps mod 2⁶⁴."""
    z = x.copy()
    z ^= z >> np.uint64(30)
    z *= _MUL1
    z ^= z >> np.uint64(27)
    z *= _MUL2
    z ^= z >> np.uint64(31)
    return z


def splitmix64(key: int, count: int) -> npt.NDArray[np.uint64]:
    """The first ``count`` outputs of splitmix64 seeded with ``key``."""
    counters = np.arange(1, count + 1, dtype=np.uint64)  # (count,)
    with np.errstate(over="ignore"):
        return mix64(np.uint64(key) + counters * _GAMMA)


def direction_key(run_id: str, round_index: int, peer: str, probe: int = 0) -> int:
    """64-bit key for (run, round, peer, probe); ``peer=SHARED`` names the round's shared
    directions."""
    if round_index < 0 or probe < 0:
        raise ValueError("round and probe must be >= 0")
    h = hashlib.blake2b(digest_size=8, person=b"bswarm-spsa-z1")
    parts = [run_id.encode(), round_index.to_bytes(8, "big"), peer.encode()]
    if probe:
        parts.append(probe.to_bytes(4, "big"))
    for field in parts:
        h.update(len(field).to_bytes(4, "big"))  # length-prefixed: no ambiguous joins
        h.update(field)
    return int.from_bytes(h.digest(), "big")


def rademacher(key: int, size: int) -> npt.NDArray[np.int8]:
    """±1 int8 direction of length ``size`` for ``key``."""
    top_bits = (splitmix64(key, size) >> np.uint64(63)).astype(np.int8)  # (size,) in {0, 1}
    return (1 - 2 * top_bits).astype(np.int8)


def direction(
    run_id: str, round_index: int, peer: str, size: int, probe: int = 0
) -> npt.NDArray[np.int8]:
    """The direction z for (run, round, peer, probe) over a θ of ``size`` values."""
    return rademacher(direction_key(run_id, round_index, peer, probe), size)


# Pinned once from this implementation; splitmix64(0) also matches the published reference
# sequence (first output 0xE220A8397B1DCDAF), so the mixing is the standard one.
_GOLDEN_SPLITMIX0 = (0xE220A8397B1DCDAF, 0x6E789E6AA1B965F4, 0x06C45D188009454F)
_GOLDEN_KEY = ("golden-run", 7, "peer-a", 0xE70A1ECCEE0D34C6)
_GOLDEN_DIRECTION_BITS = "0001010111000000110111100100001110101110010010101000000010011110"
_GOLDEN_PROBE_KEY = ("golden-run", 7, "peer-a", 3, 0x54A15E26A96AED57)


def self_check() -> None:
    """Raise RuntimeError unless this generator reproduces the pinned golden values.

    A node calls this at start: a numpy or platform difference that changed a single sign
    would otherwise make its replica silently diverge from every other peer's.
    """
    got = tuple(int(v) for v in splitmix64(0, 3))
    if got != _GOLDEN_SPLITMIX0:
        raise RuntimeError(f"splitmix64 mismatch: {[hex(v) for v in got]}")
    run, rnd, peer, want_key = _GOLDEN_KEY
    key = direction_key(run, rnd, peer)
    if key != want_key:
        raise RuntimeError(f"direction key mismatch: {key:#x} != {want_key:#x}")
    run, rnd, peer, probe, want_key = _GOLDEN_PROBE_KEY
    if direction_key(run, rnd, peer, probe) != want_key:
        raise RuntimeError("direction key mismatch for a later probe")
    z = rademacher(key, len(_GOLDEN_DIRECTION_BITS))
    bits = "".join("1" if v > 0 else "0" for v in z)
    if bits != _GOLDEN_DIRECTION_BITS:
        raise RuntimeError("rademacher direction does not match the golden vector")
