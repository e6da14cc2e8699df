"""What a model hands the export pipeline."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch
from numpy.typing import NDArray

Feeds = dict[str, NDArray[np.generic]]


@dataclass
class ModelSpec:
    """A torch module plus everything the contract, goldens and checks need."""

    name: str
    """File stem and ``byteswarm.model``: ``device`` or ``polarity``."""
    module: torch.nn.Module
    """Eval mode; positional inputs in ``input_names`` order."""
    example: tuple[torch.Tensor, ...]
    input_names: tuple[str, ...]
    output_names: tuple[str, ...]
    dynamic_axes: dict[str, dict[int, str]]
    """Input name -> {axis: dimension name}; inputs not listed are static."""
    max_dims: dict[str, int]
    """Dimension name -> largest size the exported graph must accept."""
    contract: dict[str, str]
    """Model-specific ``byteswarm.*`` keys (task, labels, preprocessing, prompt)."""
    golden_feeds: Feeds
    heldout: list[Feeds]
    """Batches of the held-out split: int8 variants are judged on top-1 agreement here."""
    calibration: list[Feeds]
    """Batches for int8 static calibration (training data only)."""
    source_sha256: str
    """Hash of the torch weights the file was made from."""
    golden_extra: Feeds = field(default_factory=dict)
    """Extra golden arrays for the app's tests (raw digits, a flat prompt, prompted feeds)."""
    golden_extra_outputs: dict[str, Feeds] = field(default_factory=dict)
    """Named additional feed sets whose outputs are also written as goldens."""
    quantize_exclude_inputs: tuple[str, ...] = ()
    """Inputs whose consumers stay float in int8 variants (prompt parts)."""
