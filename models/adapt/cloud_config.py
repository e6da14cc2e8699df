"""The cloud learner's settings (one frozen dataclass) and the preset of each prompt family."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CloudConfig:
    buffer_size: int = 128
    """Recent uploads kept for fitting (FIFO)."""
    steps: int = 20
    """Adam steps per received upload batch (warm-started from the last prompt)."""
    lr: float = 0.05
    weighting: str = "uncertainty"
    """"uncertainty": weight each sample by its device score / buffer mean; "uniform"."""
    teacher_bn_from_buffer: bool = False
    """Normalise the teacher with BatchNorm statistics of the upload buffer before labelling."""
    on_shift: str = "reset"
    """When the current prompt fits new uploads worse than the neutral one (a new domain):
    "relearn" drops the stale buffer and refits from the current prompt, "reset" also
    restarts the prompt from neutral, "none" ignores it."""
    shift_test: str = "loss"
    """How a new domain is noticed: "loss" (the current prompt fits the new uploads worse
    than the neutral one, by `reset_margin`) or "inputs" (the uploads' image statistics
    differ from the buffer's: `input_shift`)."""
    shift_threshold: float = 8.0
    """For "inputs": the largest Welch t statistic over the image descriptors that still
    counts as the same domain."""
    reset_margin: float = 0.1
    """Relative margin: reset only when the current loss exceeds the neutral one by this much
    (a dozen uploads give a noisy loss; resetting on noise throws good prompts away)."""
    loss: str = "ce"
    """"ce": cross-entropy against the teacher's softmax (any teacher); "logit_mse": match
    the teacher's logits (only when they share the device's logit space, e.g. a teacher that
    is the device model on cleaned inputs). Soft labels identify an additive offset weakly:
    in 200 steps on a pure offset, "ce" moved the prompt to about -0.06 of -0.3."""
    norm_bound: float = 8.0
    """L2 radius around the neutral prompt; kept by projection so the device accepts it."""
    targets: str = "soft"
    """For "ce": "soft" fits the teacher's softmax, "hard" its argmax (a one-hot label)."""
    min_teacher_confidence: float = 0.0
    """Uploads whose teacher top probability is below this get weight 0 in the fit (the
    hardest uploads are often the ones the teacher gets wrong too)."""
    smoothness: float = 0.0
    """Weight of a penalty on squared neighbour differences of an additive prompt (256 free
    values fitted on a few dozen uploads overfit pixel noise; a smooth prompt generalises)."""
    warm_start: str = "none"
    """Analytic starts (models/adapt/warm_start.py) the learner jumps to before a fit when
    they fit its targets better than the current prompt: "none"; "features" (each block's
    statistics on the buffer aligned to the clean ones: BatchNorm adaptation done by the
    cloud); "features_warp" (also the ink-moment warp, features aligned after it). Needs a
    `Reference` of clean images."""
    bank_size: int = 0
    """Prompts of earlier domains kept (the one in force when a new domain was noticed);
    each is a candidate start too. 0 keeps none."""
    warp_lr_scale: float = 1.0
    """The warp part moves this fraction of an Adam step (0.05 in normalised coordinates is
    0.4 px: noise-driven steps of the full size wander the image away)."""
    teacher_view: str = "raw"
    """What the teacher labels: "raw" uploads, or "moments": the uploads warped by the
    ink-moment estimate of their buffer when that makes the teacher more confident on
    average (a teacher trained on centred digits misreads a shifted or shrunk domain)."""
    fresh_steps: int = 0
    """Extra Adam steps on the first fit after a reset (a new domain is far from any warm
    prompt; later rounds only refine)."""


def cloud_preset(family: str) -> CloudConfig:
    """The cloud settings chosen on the bench's validation stream for a prompt family.

    additive: hard teacher labels on a buffer-normalised teacher, restart on an input shift,
    a smooth prompt (bench/adapt/tune.py); filter_feature: session 1's loss-based reset;
    warp_filter_feature: one prompt per device domain (the device's domain keys decide,
    so no reset rule), analytic starts for a new domain, the teacher labelling
    moment-aligned uploads (bench/adapt/tune_domains.py, issue 22; the device uploads with
    the "mix" selection).
    """
    if family == "warp_filter_feature":
        return CloudConfig(
            teacher_bn_from_buffer=True,
            on_shift="none",
            warm_start="features_warp",
            teacher_view="moments",
            fresh_steps=40,
        )
    if family == "additive":
        return CloudConfig(
            teacher_bn_from_buffer=True,
            targets="hard",
            shift_test="inputs",
            on_shift="reset",
            smoothness=30.0,
        )
    return CloudConfig(teacher_bn_from_buffer=True)


@dataclass(frozen=True)
class DevicePreset:
    """How a device of a family draws its uploads and whether it keys its domains."""

    selection: str = "top"
    """`uncertainty.select`: "top" (the most uncertain) or "mix" (half random)."""
    domain_keys: bool = False
    """Tell domains apart (models/adapt/domain_keys.py): one prompt per domain."""


def device_preset(family: str) -> DevicePreset:
    """The device side that goes with `cloud_preset(family)` (the bench's `AFTER` loop for
    warp_filter_feature: domain keys and the "mix" selection; top-k for the others)."""
    if family == "warp_filter_feature":
        return DevicePreset(selection="mix", domain_keys=True)
    return DevicePreset()
