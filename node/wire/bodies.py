"""Record bodies of the demo notes topic and of the rank service's click rows."""

from __future__ import annotations

from typing import Annotated

import msgspec

from node.wire.base import (
    MAX_ITEM_ID_CHARS,
    Finite,
    ItemId,
    LimitedDecoder,
    WireError,
    WireMessage,
    register_body,
)

MAX_NOTE_CHARS = 1024


MAX_NOTE_BYTES = 4 * MAX_NOTE_CHARS + 64  # UTF-8 needs at most 4 bytes a character


NOTES_TOPIC = "byteswarm/notes"


CLICKS_TOPIC = "rank/clicks"


MAX_QUERY_CHARS = 256


MAX_SHOWN = 50


MAX_CLICK_POSITION = 10_000


MAX_CLICK_BYTES = 4 * (MAX_QUERY_CHARS + (MAX_SHOWN + 1) * MAX_ITEM_ID_CHARS) + 256


class Note(WireMessage, frozen=True):
    """Body of the demo topic ``byteswarm/notes``."""

    text: Annotated[str, msgspec.Meta(max_length=MAX_NOTE_CHARS)]
    value: Finite


class Click(WireMessage, frozen=True):
    """Body of ``rank/clicks``: the author searched ``query`` and clicked ``clicked``, which
    the page showed at ``position`` (1-based; 0 = unknown).

    The service writes in ``shown`` only the results above the click (``position - 1`` ids,
    the ones the user passed over: the ``beta`` ranker counts them as skips; the page below
    is left out); records from before that carry ``shown=[]`` (no skips) and older ones the
    whole page and no ``position`` (decodes as 0; the rank is then read from ``shown``).
    Same fields as before, so every node decodes every version. Author, sequence number and
    time are the enclosing SignedRecord's.
    """

    query: Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_QUERY_CHARS)]
    shown: Annotated[list[ItemId], msgspec.Meta(max_length=MAX_SHOWN)]
    clicked: Annotated[str, msgspec.Meta(max_length=MAX_ITEM_ID_CHARS)]
    """The item clicked; empty for a page passed over (``shown`` is then the whole page, in
    rank order, and ``position`` 0): the ``beta`` ranker counts a skip on every shown item."""
    position: Annotated[int, msgspec.Meta(ge=0, le=MAX_CLICK_POSITION)] = 0

    def __post_init__(self) -> None:
        super().__post_init__()
        if not self.clicked and (not self.shown or self.position):
            raise WireError("a page passed over carries its page and no position")

    @property
    def passed_over(self) -> bool:
        """No click: the user left the page ``shown`` without one."""
        return not self.clicked


decode_note = LimitedDecoder(Note, MAX_NOTE_BYTES)

decode_click = LimitedDecoder(Click, MAX_CLICK_BYTES)

register_body(NOTES_TOPIC, decode_note)


register_body(CLICKS_TOPIC, decode_click)
