"""The services' sections of the status document: ``finetune``, ``adapt`` and ``rank``.

A service builds its struct and hands it to ``NodeContext.report``; the section name is the
struct's ``SECTION``. The two adapt roles share the ``adapt`` section and are told apart by
the ``role`` tag (a msgspec tagged union).
"""

from __future__ import annotations

from typing import ClassVar

import msgspec

from node.wire.base import Finite


class CheckpointStatus(msgspec.Struct, kw_only=True, omit_defaults=True):
    """One checkpoint of a run: our θ hash, who announced the same / another one, and the
    held-out loss and accuracy where scored (left out of the JSON until then)."""

    sha256: str
    agree: list[str]
    disagree: list[str]
    loss: Finite | None = None
    accuracy: Finite | None = None


class RunStatus(msgspec.Struct, kw_only=True):
    """One finetune run this node follows (``RunState.summary``)."""

    run_id: str
    model: str = ""
    mode: str = ""
    probes: int = 1
    grads_by: str = "gossip"
    pull_every: int = 0
    gossiped: int = 0
    pulls: int = 0
    round: int = 0
    rounds: int = 0
    participating: bool = True
    records: int = 0
    refused: int = 0
    final_round: int = 0
    rebuilt_on: int | None = None
    sha256: str = ""
    checkpoints: dict[str, CheckpointStatus] = {}
    """Keyed by round (a JSON object's keys are strings)."""


class FinetuneStatus(msgspec.Struct, kw_only=True):
    SECTION: ClassVar[str] = "finetune"

    backend: str = ""
    """torch or onnxruntime: what runs the forward passes."""
    runs: dict[str, RunStatus] = {}
    failed: dict[str, str] = {}
    """Runs this node could not join, with the reason."""
    not_contributing: dict[str, str] = {}
    """Runs this node follows but sends nothing to, with the reason (e.g. its clock)."""
    clock: str | None = None
    """The node's clock verdict against its peers, when it is off."""


class BudgetStatus(msgspec.Struct, kw_only=True):
    """The operator's switch for adapt work (``node/adapt/budget.py``)."""

    running: bool = False
    note: str = ""
    samples: int = 0
    samples_limit: int | None = None
    minutes_limit: Finite | None = None
    minutes_left: Finite | None = None


class DeviceAdaptStatus(msgspec.Struct, kw_only=True, tag_field="role", tag="device"):
    SECTION: ClassVar[str] = "adapt"

    cloud: str = ""
    note: str = ""
    family: str = ""
    measure: str = ""
    model_sha256: str = ""
    batches: int = 0
    samples: int = 0
    accuracy: Finite | None = None
    accuracy_recent: Finite | None = None
    domain: str = ""
    uncertainty_recent: Finite | None = None
    uploads: int = 0
    uplink_bytes_per_sample: Finite = 0.0
    downlink_bytes: int = 0
    prompt_version: int = -1
    """-1: no prompt applied yet."""
    prompts_accepted: int = 0
    prompts_rejected: int = 0
    last_verdict: str = ""
    budget: BudgetStatus = msgspec.field(default_factory=BudgetStatus)


class CloudDeviceStatus(msgspec.Struct, kw_only=True):
    prompt_version: int = 0
    resets: int = 0


class CloudAdaptStatus(msgspec.Struct, kw_only=True, tag_field="role", tag="cloud"):
    SECTION: ClassVar[str] = "adapt"

    note: str = ""
    family: str = ""
    model_sha256: str | None = None
    devices: dict[str, CloudDeviceStatus] = {}
    uploads: int = 0
    upload_bytes: int = 0
    prompt_bytes_served: int = 0
    refused: int = 0
    dropped: int = 0
    budget: BudgetStatus = msgspec.field(default_factory=BudgetStatus)


AdaptStatus = DeviceAdaptStatus | CloudAdaptStatus


class RankStatus(msgspec.Struct, kw_only=True):
    """The rank service's work since the daemon started."""

    SECTION: ClassVar[str] = "rank"

    searches: int = 0
    clicks: int = 0
    """Clicks this node recorded (its operator's)."""
    pulls: int = 0
    pulled: int = 0
    """New click records the G-Rank pulls brought."""
    bootstrapped: int = 0
    """Click records the bootstrap sample brought."""


ServiceStatus = FinetuneStatus | DeviceAdaptStatus | CloudAdaptStatus | RankStatus
"""What ``NodeContext.report`` takes."""
