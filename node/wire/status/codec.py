"""Encoding and decoding status sections: the one place that says what a reader accepts.

The daemon encodes each section once, as JSON (the ``status`` table's text column stays
readable with ``sqlite3``), after checking it with the reader's own types (NaN or ±inf in
any float is refused before it is written: JSON has no NaN and msgspec would write null).

A reader (the CLI, the TUI) decodes with the section's struct:

- **unknown fields are ignored**: a newer daemon may add fields, and an older CLI or TUI
  reading its store must keep working (the fields it knows are still checked);
- **everything else is refused** with a ``StatusError`` naming the section and the field:
  a wrong type, a missing required field, NaN/inf (or JSON's non-standard ``NaN``), a value
  that is not a JSON object, an ``adapt`` section with an unknown ``role``.
"""

from __future__ import annotations

from typing import Any

import msgspec

from node.wire.status.node import NodeStatus
from node.wire.status.services import AdaptStatus, FinetuneStatus, RankStatus, ServiceStatus

Section = NodeStatus | ServiceStatus

SECTIONS: dict[str, Any] = {
    NodeStatus.SECTION: NodeStatus,
    FinetuneStatus.SECTION: FinetuneStatus,
    "adapt": AdaptStatus,
    RankStatus.SECTION: RankStatus,
}
"""Section name -> the type a reader decodes it into."""

_DECODERS = {name: msgspec.json.Decoder(kind) for name, kind in SECTIONS.items()}


_NON_FINITE = "NaN"
"""What Python's ``json`` writes for NaN (and, inside ``-Infinity``, not for inf: msgspec's
message names the byte then)."""


class StatusError(ValueError):
    """A status section that breaks its type (from the store, or about to be written)."""


def section_name(status: Section) -> str:
    return str(status.SECTION)


def encode_section(status: Section) -> bytes:
    """``status`` as JSON, once checked against the type a reader will decode it with."""
    name = section_name(status)
    try:
        msgspec.convert(msgspec.to_builtins(status), SECTIONS[name])
    except msgspec.ValidationError as exc:
        raise StatusError(f"status section {name!r} would not be readable: {exc}") from exc
    return msgspec.json.encode(status)


def decode_section(name: str, data: bytes | str) -> Any:
    """The section ``name`` decoded from its stored JSON; StatusError if it breaks its type."""
    decoder = _DECODERS.get(name)
    if decoder is None:
        raise StatusError(f"unknown status section {name!r}")
    try:
        return decoder.decode(data)
    except (msgspec.ValidationError, msgspec.DecodeError) as exc:
        text = data if isinstance(data, str) else data.decode(errors="replace")
        why = "NaN or infinity is not a number JSON allows" if _NON_FINITE in text else exc
        raise StatusError(f"status section {name!r} in the store is not valid: {why}") from exc


def decode_node(data: bytes | str) -> NodeStatus:
    status = decode_section(NodeStatus.SECTION, data)
    assert isinstance(status, NodeStatus)
    return status


def decode_finetune(data: bytes | str) -> FinetuneStatus:
    status = decode_section(FinetuneStatus.SECTION, data)
    assert isinstance(status, FinetuneStatus)
    return status


def decode_adapt(data: bytes | str) -> AdaptStatus:
    status: AdaptStatus = decode_section("adapt", data)
    return status


def decode_rank(data: bytes | str) -> RankStatus:
    status = decode_section(RankStatus.SECTION, data)
    assert isinstance(status, RankStatus)
    return status
