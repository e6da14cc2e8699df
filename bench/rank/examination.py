"""How often a user of ``one_click.py`` looked at a result and passed it over, given the page
and the click: the weights that make clicks / (clicks + passed) an unbiased estimate of a
result's attractiveness (``bench.rank.ceiling``'s central learner)."""

from __future__ import annotations

from bench.rank.one_click import DBN_PERSISTENCE


def examined(model: str, means: list[float], clicked: bool) -> list[float]:
    """Expected times each result above the click (every result, without one) was looked at
    and passed over, under ``model`` with attractiveness ``means``: the weights that make
    clicks / (clicks + passed) an unbiased attractiveness ratio."""
    if model == "pbm1":
        return [(1.0 / r) * (1.0 - m) / (1.0 - m / r) for r, m in enumerate(means, start=1)]
    if clicked:
        return [1.0] * len(means)
    return dbn_no_click(means)


def dbn_no_click(means: list[float]) -> list[float]:
    """P(rank r was read | no click on the page) under ``dbn1`` with attractiveness ``means``."""
    gamma = DBN_PERSISTENCE
    tail = [1.0] * (len(means) + 1)  # P(no click from r on | read r)
    for r in range(len(means) - 1, -1, -1):
        tail[r] = (1.0 - means[r]) * ((1.0 - gamma) + gamma * tail[r + 1])
    reach, seen = 1.0, []
    for r, m in enumerate(means):
        seen.append(reach * tail[r] / tail[0] if tail[0] > 0.0 else 0.0)
        reach *= (1.0 - m) * gamma
    return seen
