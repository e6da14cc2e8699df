"""The device-cloud loops the benches compare, by name."""

from __future__ import annotations

from dataclasses import replace

from bench.adapt.runs import LoopSpec
from models.adapt.cloud import cloud_preset

ADDITIVE = cloud_preset("additive")
IMPROVED = cloud_preset("filter_feature")  # loss-based reset (session 1)
DOMAINS = cloud_preset("warp_filter_feature")  # per-domain prompts (issue 22)

BEFORE = LoopSpec("filter_feature", "entropy", 0.25, IMPROVED)
"""The loop issue 22 measured: one prompt, the loss-based reset."""
AFTER = LoopSpec("warp_filter_feature", "entropy", 0.25, DOMAINS, selection="mix", domain_keys=True)
"""The loop this bench ships: warp + filter + feature, one prompt per device domain, half
the uploads the most uncertain and half at random (chosen on the tuned split:
bench/results/adapt_tune_domains_round{1,2}.json)."""


def headline_loops() -> dict[str, LoopSpec]:
    """Every split: the issue-22 loop, the same with the warp, the shipped loop and its
    parts taken away one at a time."""
    return {
        "improved_entropy": BEFORE,
        "warp_entropy": replace(BEFORE, family="warp_filter_feature"),
        "domains_no_warp": replace(AFTER, family="filter_feature"),
        "domains_no_warm_start": replace(AFTER, cloud=replace(DOMAINS, warm_start="none")),
        "domains_warp": AFTER,
    }


def oracle_loops() -> dict[str, LoopSpec]:
    """The loops whose oracle gap is reported (before and after)."""
    return {"before": BEFORE, "before_with_warp": headline_loops()["warp_entropy"],
            "after": AFTER}  # fmt: skip
