"""The device's choice of cloud against a fake NodeContext: no daemon, no sockets, a
static clock. It follows ``adapt/clouds`` with ``tail`` and pairs with the connected cloud
that announced itself last."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import trio
import trio.testing

from node import wire
from node.adapt.device import DeviceAdapt
from node.config.services import AdaptConfig
from node.config.settings import STORE_FILE, load_config
from node.net.identity import Identity
from node.store.database import RecordRow, Store
from tests.node.fake_node import FakeNode


def hello(cloud: Identity, seq: int = 0) -> wire.SignedRecord:
    body = wire.encode(wire.CloudHello(wire.WIRE_VERSION, ["filter_feature"]))
    return wire.sign_record(cloud.seed, wire.CLOUDS_TOPIC, seq, 1_000 + seq, body)


def name(cloud: Identity) -> str:
    return wire.peer_id_str(cloud.public_key)


def run_device(tmp_path: Path, test: Callable[[DeviceAdapt, FakeNode], Awaitable[None]]) -> None:
    with Store.open(tmp_path / STORE_FILE) as store:
        node = FakeNode(store, load_config(None, data_dir=str(tmp_path)))
        device = DeviceAdapt(AdaptConfig())

        async def main() -> None:
            async with trio.open_nursery() as nursery:
                nursery.start_soon(device.run, node)
                await trio.testing.wait_all_tasks_blocked()
                await test(device, node)
                nursery.cancel_scope.cancel()

        trio.run(main, clock=trio.testing.MockClock())  # time stands still unless jumped


def test_the_device_picks_the_connected_cloud_that_announced_itself_last(
    tmp_path: Path,
) -> None:
    old, new = Identity.generate(), Identity.generate()

    async def test(device: DeviceAdapt, node: FakeNode) -> None:
        assert await device._latest_cloud(node) == ""
        await node.deliver([hello(old), hello(new)])
        await trio.testing.wait_all_tasks_blocked()  # seen at once: no clock has moved
        assert await device._latest_cloud(node) == ""  # neither is connected
        node.peers = [name(old)]
        assert await device._latest_cloud(node) == name(old)
        node.peers = [name(old), name(new)]
        assert await device._latest_cloud(node) == name(new)
        await node.deliver([hello(old, seq=1)])  # old announced itself again: now it is last
        await trio.testing.wait_all_tasks_blocked()
        assert await device._latest_cloud(node) == name(old)

    run_device(tmp_path, test)


def test_announcements_stored_before_the_device_starts_count(tmp_path: Path) -> None:
    cloud = Identity.generate()

    async def test(device: DeviceAdapt, node: FakeNode) -> None:
        node.peers = [name(cloud)]
        assert await device._latest_cloud(node) == name(cloud)

    record = hello(cloud)
    with Store.open(tmp_path / STORE_FILE) as store:
        row = RecordRow(record.topic, record.author, record.seq, record.ts_ms, wire.encode(record))
        store.insert_records([row], "peer")
    run_device(tmp_path, test)
