"""The seam between the runtime and the services: ``Service`` and ``NodeContext``.

A service (rank, finetune, adapt) is a slot the daemon fills; its ``run`` receives a
``NodeContext``, the narrow set of things a service may ask of its node, never the daemon
itself. ``node.runtime.daemon.Daemon`` implements it; a unit test passes a fake with no
sockets (``tests/node/rank/test_rank_unit.py``). See docs/architecture.md §4.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractContextManager
from typing import Any, Protocol, TypeVar

from node import wire
from node.config.settings import NodeConfig
from node.net.rpc_serve import RequestHandler
from node.store.database import Store, StoredRecord
from node.wire.status.services import ServiceStatus

T = TypeVar("T")


class NodeContext(Protocol):
    """What a service may ask of the node it runs in."""

    @property
    def peer_id(self) -> str:
        """This node's libp2p peer id (base58 text)."""
        ...

    @property
    def author(self) -> bytes:
        """This node's Ed25519 public key: the author of the records it signs."""
        ...

    @property
    def config(self) -> NodeConfig:
        """The node's configuration."""
        ...

    @property
    def store(self) -> Store:
        """The store; call its methods only through ``db``."""
        ...

    @property
    def log(self) -> logging.Logger:
        """The node's network log (peers that failed a request, and the like)."""
        ...

    async def db(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run a store call in the node's single store thread (never on the trio thread)."""
        ...

    # -- records ------------------------------------------------------------------------

    async def join_topic(self, topic: str) -> None:
        """Gossip on, store and sync one more topic from now on."""
        ...

    async def publish_local(
        self, topic: str, body: bytes, seq: int | None = None, *, gossip: bool = True
    ) -> wire.SignedRecord:
        """Sign a record as this node, commit it, then gossip it unless ``gossip`` is False."""
        ...

    def sign(self, topic: str, seq: int, body: bytes) -> wire.SignedRecord:
        """A record signed as this node, now, neither stored nor sent."""
        ...

    def tail(
        self, topic: str, after: int = 0, *, every: float = 1.0
    ) -> AsyncIterator[list[StoredRecord]]:
        """Batches of ``topic``'s records committed after store cursor ``after`` (cursor
        order, never empty), for as long as the caller iterates. A batch comes as soon as
        this node commits records of the topic (gossip, sync, samples, its own publishes);
        records another process writes into the store (the CLI) are noticed within
        ``every`` seconds (``PRAGMA data_version``). Resume elsewhere with the last
        record's ``cursor``."""
        ...

    def swarm_now_ms(self) -> int:
        """The wall clock in ms as the swarm reads it: this node's clock plus the offset a
        majority of its peers agree on past ``clock.max_offset`` (else this node's clock)."""
        ...

    def clock_note(self) -> str | None:
        """One plain line when this node's clock is off from some peer's by more than
        ``clock.max_offset`` ("clock 120 s ahead of 3 peers"), else None."""
        ...

    # -- peers ----------------------------------------------------------------------------

    def connected_peers(self) -> list[str]:
        """The peers connected now."""
        ...

    async def request(
        self, peer: str, protocol: str, data: bytes, max_response_bytes: int
    ) -> bytes:
        """One bounded request/response exchange with ``peer``."""
        ...

    def handle(self, protocol: str, handler: RequestHandler, max_request_bytes: int) -> None:
        """Answer ``protocol`` requests with ``handler(data, peer) -> bytes``."""
        ...

    async def pull(self, peer: str, topic: str) -> int:
        """Pull ``topic``'s records that ``peer`` stored after our cursor; how many were new."""
        ...

    async def sample(self, peer: str, topic: str, limit: int) -> int:
        """Take ``peer``'s newest ``limit`` records of ``topic``; how many were new."""
        ...

    def pulling_itself(self, topics: set[str]) -> AbstractContextManager[None]:
        """While inside, catch-up leaves ``topics`` out of its periodic rounds: the service
        pulls them on its own schedule (catch-up still pulls them from a new peer)."""
        ...

    # -- operators ------------------------------------------------------------------------

    async def emit(self, kind: str, message: str) -> None:
        """Add an event to the node's event log (``byteswarm events``)."""
        ...

    async def report(self, status: ServiceStatus) -> None:
        """Write this service's section of the status document (``byteswarm <svc> status``);
        the section is the struct's ``SECTION`` (``node/wire/status/services.py``)."""
        ...


class Service(Protocol):
    """A slot the service issues (rank, finetune, adapt) fill."""

    name: str
    topics: tuple[str, ...]
    """Topics joined before the service starts."""

    async def run(self, node: NodeContext) -> None:
        """The service's life; restarted by the daemon (with backoff) if it raises, so it
        rebuilds its state from the store."""
        ...

    async def on_control(self, command: str, args: dict[str, Any]) -> dict[str, Any] | None:
        """Handle a control command, or return None if it is not this service's."""
        ...
