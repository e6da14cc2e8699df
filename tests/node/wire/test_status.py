"""The typed status document: every section round-trips through the codec the daemon
writes with and the readers decode with; a reader refuses NaN and wrong types with an error
that names the section and the field, and ignores fields a newer daemon added."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import msgspec
import pytest

from node.cli.common import UserError, read_section, read_status
from node.store.database import Store
from node.wire.status.codec import (
    SECTIONS,
    StatusError,
    decode_adapt,
    decode_finetune,
    decode_node,
    decode_rank,
    decode_section,
    encode_section,
)
from node.wire.status.history import HistorySample, RunPoint, decode_sample, encode_sample
from node.wire.status.node import (
    CatchupStatus,
    ControlStatus,
    GuardStatus,
    NodeStatus,
    PeerGuardStatus,
    PullPeerStatus,
)
from node.wire.status.services import (
    BudgetStatus,
    CheckpointStatus,
    CloudAdaptStatus,
    CloudDeviceStatus,
    DeviceAdaptStatus,
    FinetuneStatus,
    RankStatus,
    RunStatus,
)

NODE = NodeStatus(
    peer_id="12D3KooWSelf",
    listen_addrs=["/ip4/127.0.0.1/tcp/4001"],
    connected_peers=["p1"],
    topics={"byteswarm/notes": 1},
    counters={"gossip_messages_in": 3, "sync_served": 2},
    peers=GuardStatus(
        rejections={"bad_signature": 2},
        peers={"p9": PeerGuardStatus(score=-20.5, banned=True, rejections={"bad_signature": 2})},
    ),
    running=True,
    pid=42,
    uptime_s=12.5,
    records={"byteswarm/notes": 7},
    services=["rank"],
    catchup=CatchupStatus(in_flight=1, peers={"p1": PullPeerStatus(last_success=3.5)}),
    control=ControlStatus(socket=True, callers=1, woken=4),
    store_refused={"quota": 1},
    store_loss={"byteswarm/notes": 3},
    store_bytes=4096,
)
RUN = RunStatus(
    run_id="r1",
    model="tiny",
    round=7,
    rounds=20,
    rebuilt_on=5,
    checkpoints={
        "5": CheckpointStatus(sha256="ab" * 32, agree=["p1"], disagree=[]),
        "6": CheckpointStatus(sha256="cd" * 32, agree=[], disagree=["p2"], loss=1.5, accuracy=0.5),
    },
)
BUDGET = BudgetStatus(running=True, samples=3, samples_limit=10, minutes_left=1.5)
SECTIONS_SEEN = [
    NODE,
    FinetuneStatus(backend="torch", runs={"r1": RUN}, failed={"r2": "no model"}),
    DeviceAdaptStatus(cloud="p1", accuracy=0.75, accuracy_recent=None, budget=BUDGET),
    CloudAdaptStatus(devices={"d1": CloudDeviceStatus(prompt_version=2, resets=1)}),
    RankStatus(searches=2, clicks=1, pulls=3, pulled=9, bootstrapped=4),
]


@pytest.mark.parametrize("status", SECTIONS_SEEN, ids=lambda s: type(s).__name__)
def test_every_section_round_trips(status: Any) -> None:
    data = encode_section(status)
    assert decode_section(status.SECTION, data) == status
    assert status.SECTION in SECTIONS


def test_each_sections_typed_decoder_and_the_adapt_roles() -> None:
    node, finetune, device, cloud, rank = (encode_section(s) for s in SECTIONS_SEEN)
    assert decode_node(node) == NODE and decode_rank(rank) == SECTIONS_SEEN[4]
    assert decode_finetune(finetune).runs["r1"].checkpoints["6"].accuracy == 0.5
    assert isinstance(decode_adapt(device), DeviceAdaptStatus)
    assert isinstance(decode_adapt(cloud), CloudAdaptStatus)
    assert json.loads(device)["role"] == "device" and json.loads(cloud)["role"] == "cloud"


def test_an_unscored_checkpoint_leaves_loss_and_accuracy_out_as_before() -> None:
    data = json.loads(encode_section(FinetuneStatus(runs={"r1": RUN})))
    assert set(data["runs"]["r1"]["checkpoints"]["5"]) == {"sha256", "agree", "disagree"}


def test_the_node_document_keeps_the_keys_byteswarm_status_json_printed() -> None:
    keys = set(json.loads(encode_section(NODE)))
    before = {"peer_id", "listen_addrs", "connected_peers", "topics", "counters", "peers"}
    before |= {"running", "pid", "role", "data_dir", "uptime_s", "records", "services"}
    before |= {"catchup", "control", "heavy_modules", "store_bytes", "store_loss"}
    before |= {"store", "store_live_bytes", "store_ceiling_bytes", "store_refused", "store_swept"}
    before |= {"equivocation", "recovery", "clock"}  # one author's log, clocks (issue 21)
    before |= {"discovery", "observed_addrs"}  # peer exchange, liveness, addresses (issue 21)
    before |= {"peer_traffic"}  # records in/out, direction, sync lag per peer (issue 19)
    before |= {"history"}  # the history writer: written, buffered, dropped (full store)
    assert before | {"age_s"} == keys


@pytest.mark.parametrize(
    ("name", "text", "field"),
    [
        ("node", '{"uptime_s": NaN}', "NaN"),
        ("node", '{"uptime_s": Infinity}', "malformed"),
        ("node", '{"uptime_s": 1e999}', "uptime_s"),
        ("node", '{"pid": "42"}', "$.pid"),
        ("node", '{"peers": {"peers": {"p": {"score": "high"}}}}', "$.peers.peers[...].score"),
        ("node", "[1, 2]", "Expected `object`"),
        ("finetune", '{"runs": {"r": {"model": "tiny"}}}', "run_id"),
        ("adapt", '{"role": "toaster"}', "$.role"),
        ("adapt", '{"role": "device", "accuracy": "0.5"}', "$.accuracy"),
        ("rank", '{"searches": 1.5}', "$.searches"),
    ],
)
def test_a_reader_refuses_nan_and_wrong_types_naming_the_field(
    name: str, text: str, field: str
) -> None:
    with pytest.raises(StatusError, match=f"status section '{name}'") as caught:
        decode_section(name, text)
    assert field in str(caught.value)


def test_a_reader_ignores_fields_a_newer_daemon_added() -> None:
    newer = json.loads(encode_section(NODE)) | {"gpu": {"name": "x"}, "listen_quic": []}
    assert decode_node(json.dumps(newer)) == NODE


def test_the_writer_refuses_nan_before_it_reaches_the_store() -> None:
    with pytest.raises(StatusError, match=r"'adapt' would not be readable.*\$\.accuracy"):
        encode_section(DeviceAdaptStatus(accuracy=math.nan))
    with pytest.raises(StatusError, match=r"\$\.uptime_s"):
        encode_section(msgspec.structs.replace(NODE, uptime_s=math.inf))


def test_the_cli_reads_typed_sections_and_turns_a_bad_one_into_a_one_line_error(
    tmp_path: Path,
) -> None:
    with Store.open(tmp_path / "store.sqlite") as store:
        store.write_status("node", encode_section(NODE))
        store.write_status("rank", b'{"searches": NaN}')
        status = read_status(store)
        assert status is not None and status.peer_id == NODE.peer_id
        assert status.running and 0 <= status.age_s < 5  # fresh, and no lock to check
        assert read_section(store, "finetune") is None
        with pytest.raises(UserError, match="status section 'rank' in the store is not valid"):
            read_section(store, "rank")


def test_a_history_row_written_before_the_run_loss_was_kept_still_decodes() -> None:
    sample = HistorySample(ts_s=7, runs={"r": RunPoint(round=3, sha256="ab", accuracy=0.5)})
    fields = msgspec.msgpack.decode(encode_sample(sample))
    run_at = len(fields) - 1 - fields[::-1].index({"r": [3, "ab", 0.5, None]})
    fields[run_at] = {"r": [3, "ab", 0.5]}  # a RunPoint as the old writer wrote it
    old = decode_sample(msgspec.msgpack.encode(fields))
    assert old.runs["r"] == RunPoint(round=3, sha256="ab", accuracy=0.5, loss=None)
    sample.runs["r"].loss = 0.25
    assert decode_sample(encode_sample(sample)).runs["r"].loss == 0.25
    sample.runs["r"].loss = float("nan")
    with pytest.raises(msgspec.ValidationError):
        decode_sample(encode_sample(sample))
