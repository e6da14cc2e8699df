"""The two ways an export request fails."""

from __future__ import annotations


class ExportError(Exception):
    """The request cannot be served (bad option, missing weights, parity out of tolerance)."""


class ModelRefused(ExportError):
    """A model file that is not a byteswarm export, or one that was altered after export."""
