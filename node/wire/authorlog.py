"""One author's log and clocks on the wire: asking peers how far our own log goes, and a
clock round trip. Not re-exported by ``node.wire`` (callers import this module)."""

from __future__ import annotations

from typing import Annotated

import msgspec

from node.wire.base import MAX_TOPIC_CHARS, AuthorKey, LimitedDecoder, Topic, Uint63, WireMessage
from node.wire.records import SignedRecord
from node.wire.sync import MAX_SYNC_RESPONSE_BYTES

MAX_OWN_HEADS_TOPICS = 64
MAX_OWN_HEADS_REQUEST_BYTES = 64 + MAX_OWN_HEADS_TOPICS * (MAX_TOPIC_CHARS + 3)
MAX_OWN_HEADS_RESPONSE_BYTES = MAX_SYNC_RESPONSE_BYTES
MAX_CLOCK_BYTES = 32


class OwnHeadsRequest(WireMessage, frozen=True):
    """How far does ``author``'s log go in each of ``topics`` at your node? A node asks
    this about its own key before its first publish (a lost store, a copied key)."""

    author: AuthorKey
    topics: Annotated[list[Topic], msgspec.Meta(max_length=MAX_OWN_HEADS_TOPICS)]


class OwnHeadsResponse(WireMessage, frozen=True):
    """Per asked topic the author's highest-seq record held (topics with none left out; the
    answer may stop early to stay within the responder's byte budget). Each record carries
    the author's own signature, so a peer cannot push the asker's seq anywhere it did not
    sign: the asker stores them like any relayed record, and its next seq follows."""

    records: Annotated[list[SignedRecord], msgspec.Meta(max_length=MAX_OWN_HEADS_TOPICS)]


class ClockRequest(WireMessage, frozen=True):
    """What time is it at your node? (answered at once: one NTP-style round trip)"""


class ClockResponse(WireMessage, frozen=True):
    """The answering node's wall clock, in ms since the Unix epoch."""

    now_ms: Uint63


decode_own_heads_request = LimitedDecoder(OwnHeadsRequest, MAX_OWN_HEADS_REQUEST_BYTES)
decode_own_heads_response = LimitedDecoder(OwnHeadsResponse, MAX_OWN_HEADS_RESPONSE_BYTES)
decode_clock_request = LimitedDecoder(ClockRequest, MAX_CLOCK_BYTES)
decode_clock_response = LimitedDecoder(ClockResponse, MAX_CLOCK_BYTES)
