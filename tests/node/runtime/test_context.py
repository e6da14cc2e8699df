"""Every NodeContext implementation (the daemon, the tests' fake) has every member of the
Protocol with the same parameters, so a service tested on the fake runs on the daemon."""

from __future__ import annotations

import inspect

import pytest

from node.runtime.context import NodeContext, Service
from node.runtime.daemon import Daemon
from tests.node.fake_node import FakeNode

MEMBERS = sorted(
    name for name in vars(NodeContext) if not name.startswith("_") and name != "register"
)


def test_the_protocol_is_what_the_docs_list() -> None:
    assert sorted(
        [
            "author", "clock_note", "config", "connected_peers", "db", "emit", "handle",
            "join_topic", "log", "peer_id", "publish_local", "pull", "pulling_itself", "report",
            "request", "sample", "sign", "store", "swarm_now_ms", "tail",
        ]
    ) == MEMBERS  # fmt: skip


@pytest.mark.parametrize("impl", [Daemon, FakeNode])
@pytest.mark.parametrize("name", MEMBERS)
def test_each_implementation_has_each_member(impl: type, name: str) -> None:
    wanted = getattr(NodeContext, name)
    if isinstance(wanted, property):
        source = inspect.getsource(impl)
        assert hasattr(impl, name) or f"self.{name} =" in source, f"{impl.__name__}.{name}"
        return
    found = getattr(impl, name)
    params = list(inspect.signature(wanted).parameters)
    assert list(inspect.signature(found).parameters) == params, f"{impl.__name__}.{name}"
    assert inspect.iscoroutinefunction(found) == inspect.iscoroutinefunction(wanted)


def test_a_service_is_a_name_topics_run_and_on_control() -> None:
    members = {n for n in vars(Service) if not n.startswith("_")}
    assert {"run", "on_control"} <= members
    assert {"name", "topics"} <= set(Service.__annotations__)
