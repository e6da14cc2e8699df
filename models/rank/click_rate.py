"""``ClickRate``: the click rate a node has seen, which turns a half-life counted in click
rows into seconds.

A half-life in seconds means something different on a busy network and a quiet one; one in
rows does not. ``RankConfig.half_life_rows`` is carried to seconds with the rate of the rows
a node holds (rows over their time span), and the index is rebuilt when that rate has moved
the half-life by more than ``REBUILD_DRIFT`` (decayed counters cannot change half-life in
place). The daemon (``node/rank_service.py``) and the simulation (``bench/grank_sim.py``)
both use this, so the bench measures what a node runs.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, replace

from models.rank.config import RankConfig

MIN_HALF_LIFE_S = 60.0
"""The shortest click half-life a row-counted one may turn into (a burst of traffic)."""
REBUILD_DRIFT = 1.25
"""Rebuild the index when the click rate moves its half-life by more than this factor."""


@dataclass
class ClickRate:
    """How many click rows a node has seen and the span of their timestamps (seconds)."""

    seen: int = 0
    first_ts: float = math.inf
    last_ts: float = -math.inf

    def observe(self, timestamps: Iterable[float]) -> None:
        for ts in timestamps:
            self.seen += 1
            if ts < self.first_ts:
                self.first_ts = ts
            if ts > self.last_ts:
                self.last_ts = ts

    def rows_per_second(self) -> float | None:
        """None until two rows with different times set a rate."""
        span = self.last_ts - self.first_ts
        if self.seen < 2 or span <= 0:
            return None
        return (self.seen - 1) / span

    def config_for(self, preset: RankConfig) -> RankConfig:
        """``preset`` with ``half_life_s`` = ``half_life_rows`` over this rate (``preset`` as
        is when it counts no rows or there is no rate yet)."""
        rows = preset.half_life_rows
        rate = self.rows_per_second()
        if rows is None or rate is None:
            return preset
        return replace(preset, half_life_s=max(MIN_HALF_LIFE_S, rows / rate))


def drifted(used: RankConfig, wanted: RankConfig) -> bool:
    """Whether an index built with ``used`` should be rebuilt with ``wanted``."""
    new, old = wanted.half_life_s, used.half_life_s
    return bool(new and old and max(new / old, old / new) > REBUILD_DRIFT)
