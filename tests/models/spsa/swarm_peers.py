"""The 20 authors of the screening tests, 9 of them Byzantine (45 %), and the screening
rules they are judged by (v2: ``RULE``, v3: ``V3``)."""

from __future__ import annotations

from models.spsa.screening import ScreenRule

RULE = ScreenRule(window=40, strikes=10)
HONEST = [f"h{p:02d}" for p in range(11)]
BYZANTINE = [f"b{p}" for p in range(9)]  # 45 % of 20
V3 = ScreenRule(window=40, strikes=10, scale_skips_ignored=True)
