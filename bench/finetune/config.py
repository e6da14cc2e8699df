"""What one simulated SPSA run is: method, peers, rounds, η schedule, attack, screening.

Its own module so that ``sim.py`` (which runs a config) and ``attacks.py`` (which reads one)
both import it and not each other.
"""

from __future__ import annotations

from dataclasses import dataclass

from models.spsa.schedule import LearningRateSchedule


@dataclass(frozen=True)
class SimConfig:
    method: str  # fp32 | independent | shared | sign
    peers: int = 4
    byzantine: int = 0
    rounds: int = 300
    batch: int = 8
    learning_rate: float = 1e-3
    epsilon: float = 1e-3
    initial_scale: float = 0.05
    """s_0 of the byte modes (later scales follow the rule: median |g| / 32)."""
    sign_scale: float = 1.0
    """The sign-only baseline's fixed step per ±1: about a median |g| (measured ~1 here)."""
    seed: int = 0
    eval_every: int = 50
    warmup_rounds: int = 0
    decay_rounds: int = 0
    """η decays linearly to ``decay_floor · η`` at this round (0: constant η)."""
    decay_floor: float = 1.0
    attack: str = "random"
    """random | same | opposing: what the Byzantine peers send (attacks.attack_codes)."""
    attack_from: int = 0
    """Byzantine peers behave honestly before this round."""
    screen: bool = False
    """Screen out authors that keep saturating (RunConfig.screen = ScreenRule())."""
    probes: int = 1
    """Projected gradients per peer per round (RunConfig.probes), each on its own batch."""
    pull_every: int = 1
    """K: peers see the others' records only every K rounds (the daemon's pull transport)
    and compute codes on that stale θ and scale; 1: every record at once (synchronous)."""

    @property
    def schedule(self) -> LearningRateSchedule:
        return LearningRateSchedule(self.warmup_rounds, self.decay_rounds, self.decay_floor)
