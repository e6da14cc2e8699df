"""``ClickRate``: the click rate a node has seen, which turns a half-life counted in click
rows into seconds.

A half-life in seconds means something different on a busy network and a quiet one; one in
rows does not. ``RankConfig.half_life_rows`` is carried to seconds with the rate of the
rows a node holds (robust to rows dated far off: ``ClickRate``), and the index is rebuilt
when that rate has moved the half-life by more than ``REBUILD_DRIFT`` (decayed counters
cannot change half-life in place). The daemon (``node/rank_service.py``) and the
simulation (``bench/rank/sim.py``) both use this, so the bench measures what a node runs.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

import numpy as np

from models.rank.config import RankConfig

MIN_HALF_LIFE_S = 60.0
"""The shortest click half-life a row-counted one may turn into (a burst of traffic)."""
REBUILD_DRIFT = 1.25
"""Rebuild the index when the click rate moves its half-life by more than this factor."""


RATE_QUANTILES = (0.25, 0.75)
"""The rate is the density of a node's click times between these quantiles of them."""


@dataclass
class ClickRate:
    """The click rate of the rows a node holds: their density between the quartiles of
    their times.

    An author chooses its rows' times, so the rate is measured where half of a node's rows
    lie, not over the whole span: a click dated decades back used to stretch the span so
    far that the half-life grew to ~10^8 s and decay stopped on every node that pulled it
    (the ``backdated`` attack of ``bench.rank.grank``). Now rows dated in the past or future move
    the rate only once they are a quarter of what a node holds; many rows at one time raise
    it as many honest clicks would (down to ``MIN_HALF_LIFE_S``). The quartiles are
    recomputed when the rows held have grown by 1/64, which the 25 % rebuild threshold does
    not notice."""

    times: array[float] = field(default_factory=lambda: array("d"))
    """Every row's time, 8 bytes each (0.8 MB at the 100k rows of the latency target)."""
    first_ts: float = math.inf
    last_ts: float = -math.inf
    _rate: float | None = None
    _rate_at: int = 0

    @property
    def seen(self) -> int:
        return len(self.times)

    def observe(self, timestamps: Iterable[float]) -> None:
        start = len(self.times)
        self.times.extend(timestamps)
        if len(self.times) > start:
            fresh = self.times[start:]
            self.first_ts = min(self.first_ts, min(fresh))
            self.last_ts = max(self.last_ts, max(fresh))

    def rows_per_second(self) -> float | None:
        """None until two rows with different times set a rate."""
        n = len(self.times)
        if n < 2 or self.last_ts <= self.first_ts:
            return None
        if self._rate is None or n - self._rate_at > self._rate_at // 64:
            low, high = np.quantile(np.frombuffer(self.times), RATE_QUANTILES)
            share = RATE_QUANTILES[1] - RATE_QUANTILES[0]
            # half the rows at one time (a burst) is a very high rate, not none
            self._rate = share * (n - 1) / max(float(high - low), 1e-3)
            self._rate_at = n
        return self._rate

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
