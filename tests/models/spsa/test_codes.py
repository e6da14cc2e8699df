from __future__ import annotations

import math

from models.spsa.codes import ScaleRule, encode, encode_sign


def test_encode_rounds_and_clips() -> None:
    assert encode(3.4, 1.0) == 3
    assert encode(-3.6, 1.0) == -4
    assert encode(1e9, 0.5) == 127
    assert encode(-1e9, 0.5) == -127
    assert encode(math.nan, 1.0) is None
    assert encode(math.inf, 1.0) is None
    assert encode(1.0, 0.0) is None
    assert encode_sign(-0.1) == -1 and encode_sign(math.nan) is None


def test_scale_tracks_median_magnitude_and_never_collapses() -> None:
    rule = ScaleRule(initial=1.0, window=2, divisor=32.0)
    # reconstructed |g| = |q| * s: {64, 64, 32} -> median 64 -> 2.0
    assert rule.next_scale(1.0, [(1.0, [64, -64]), (1.0, [32])]) == 2.0
    assert rule.next_scale(0.7, [(1.0, [0, 0])]) == 0.7
    assert rule.next_scale(0.7, []) == 0.7
    assert ScaleRule(initial=0.3, adaptive=False).next_scale(5.0, [(1.0, [127])]) == 0.3
