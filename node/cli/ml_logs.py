"""Quiet logs for the ML libraries a cloud node loads (torch, the ONNX exporter).

Exporting the device model logs dozens of INFO lines from onnxscript and onnx_ir, torch's
exporter warns once per torchvision operator when torchvision is missing, and torch's
pytree raises a FutureWarning: noise in a daemon's log that no operator can act on. Their
loggers go to WARNING (the torchvision notices to ERROR) and those warnings are ignored.
Setting a level needs no import, so this is safe to call before torch loads.
"""

from __future__ import annotations

import logging
import warnings

QUIET_LOGGERS = ("torch", "torchvision", "onnxscript", "onnx_ir")
"""Set to WARNING: their INFO lines describe the exporter's internals."""

TORCHVISION_NOTICES = "torch.onnx._internal.exporter._registration"
"""Warns 'torchvision is not installed. Skipping torchvision::nms' (and three more)."""


def quiet_ml_logs() -> None:
    """Quiet the ML libraries' loggers and warnings for the rest of the process."""
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    logging.getLogger(TORCHVISION_NOTICES).setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", category=FutureWarning, message=r".*LeafSpec")
    warnings.filterwarnings("ignore", module=r"torchvision(\.|$)")
