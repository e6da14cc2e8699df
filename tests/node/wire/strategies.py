"""Hypothesis strategies for every node.wire message, for the round-trip properties."""

from __future__ import annotations

from hypothesis import strategies as st

from node import wire
from node.wire import Note, RecordBatch, SignedRecord, SyncRequest, SyncResponse
from tests.node.wire.samples import signed_prompt

topics = st.from_regex(r"[a-z0-9][a-z0-9/_.-]{0,127}", fullmatch=True)
uint63 = st.integers(0, 2**63 - 1)
records = st.builds(
    SignedRecord,
    version=st.just(1),
    topic=topics,
    author=st.binary(min_size=32, max_size=32),
    seq=uint63,
    ts_ms=uint63,
    body=st.binary(max_size=300),
    sig=st.binary(min_size=64, max_size=64),
)
batches = st.builds(RecordBatch, version=st.just(1), records=st.lists(records, min_size=1))
held_ranges = st.builds(
    wire.HeldRange,
    version=st.just(1),
    author=st.binary(min_size=32, max_size=32),
    first=uint63,
    last=uint63,
)
sync_requests = st.builds(
    SyncRequest,
    version=st.just(1),
    topic=topics,
    cursor=uint63,
    limit=st.integers(1, 1024),
    held=st.lists(held_ranges, max_size=wire.MAX_SYNC_HELD_RANGES),
)
sync_responses = st.builds(
    SyncResponse,
    version=st.just(1),
    records=st.lists(records, max_size=40),
    next_cursor=uint63,
    more=st.booleans(),
)
finite = st.floats(-1e30, 1e30, allow_nan=False, allow_infinity=False)
notes = st.builds(Note, version=st.just(1), text=st.text(max_size=1024), value=finite)
item_ids = st.text(min_size=1, max_size=wire.MAX_ITEM_ID_CHARS)
clicks = st.builds(
    wire.Click,
    version=st.just(1),
    query=st.text(min_size=1, max_size=wire.MAX_QUERY_CHARS),
    shown=st.lists(item_ids, max_size=wire.MAX_SHOWN),
    clicked=item_ids,
    position=st.integers(0, wire.MAX_CLICK_POSITION),
) | st.builds(  # a page passed over: the whole page, no click, no position
    wire.Click,
    version=st.just(1),
    query=st.text(min_size=1, max_size=wire.MAX_QUERY_CHARS),
    shown=st.lists(item_ids, min_size=1, max_size=wire.MAX_SHOWN),
    clicked=st.just(""),
)
packed_sync_responses = st.lists(
    st.binary(min_size=32, max_size=32), min_size=1, max_size=5
).flatmap(
    lambda authors: st.builds(
        wire.PackedSyncResponse,
        version=st.just(1),
        topic=topics,
        authors=st.just(authors),
        base_ts_ms=st.integers(0, 2**62),
        records=st.lists(
            st.builds(
                wire.PackedRecord,
                author=st.integers(0, len(authors) - 1),
                seq=uint63,
                ts_offset_ms=st.integers(0, 2**62),
                body=st.binary(max_size=300),
                sig=st.binary(min_size=64, max_size=64),
            ),
            max_size=20,
        ),
        next_cursor=uint63,
        more=st.booleans(),
    )
)
run_ids = st.from_regex(r"\A[a-z0-9][a-z0-9-]{0,63}\Z")
rounds = st.integers(0, wire.MAX_ROUNDS)
positive = st.floats(1e-12, 1e6, allow_nan=False)
run_specs = st.builds(
    wire.RunSpec,
    version=st.just(1),
    run_id=run_ids,
    model=st.sampled_from(["tiny", "minilm"]),
    mode=st.sampled_from(["independent", "shared"]),
    learning_rate=positive,
    epsilon=positive,
    initial_scale=positive,
    rounds=st.integers(1, wire.MAX_ROUNDS),
    round_ms=st.integers(100, 3_600_000),
    start_ms=uint63,
    checkpoint_every=st.integers(1, 10_000),
    batch=st.integers(1, 256),
    theta0_sha256=st.binary(min_size=32, max_size=32),
    layout_digest=st.text(max_size=64),
    screen=st.booleans(),
    probes=st.integers(1, wire.MAX_PROBES),
    decay_floor=st.floats(0.0, 1.0),
    rules=st.integers(1, 1_000),
    grads_by=st.sampled_from(["gossip", "pull"]),
    pull_every=st.integers(1, wire.finetune.MAX_PULL_EVERY),
)
grads = st.builds(
    wire.Grad.of,
    run_id=run_ids,
    round_index=rounds,
    codes=st.lists(st.integers(-127, 127), min_size=1, max_size=wire.MAX_PROBES).map(tuple),
)
families = st.sampled_from(["additive", "filter_feature", "warp_filter_feature"])
sha = st.binary(min_size=32, max_size=32)
cloud_hellos = st.builds(
    wire.CloudHello, version=st.just(1), families=st.lists(families, min_size=1, max_size=4)
)
model_requests = st.builds(wire.ModelRequest, version=st.just(1), family=families)
model_blobs = st.builds(
    wire.ModelBlob, version=st.just(1), family=families, onnx=st.binary(max_size=2000), sha256=sha
)
image_uploads = st.integers(0, 8).flatmap(
    lambda k: st.builds(
        wire.ImageUpload,
        version=st.just(1),
        model_sha256=sha,
        side=st.just(16),
        images=st.binary(min_size=k * 256, max_size=k * 256),
        scores=st.lists(finite, min_size=k, max_size=k),
        domain=st.integers(0, 255),
    )
)
upload_acks = st.builds(wire.UploadAck, version=st.just(1), prompt_version=uint63)
prompts = st.builds(
    wire.Prompt,
    version=st.just(1),
    device=st.text(min_size=1, max_size=128),
    family=families,
    prompt_version=uint63,
    data=st.binary(max_size=wire.MAX_PROMPT_BYTES),
    sha256=sha,
    domain=st.integers(0, 255),
)
prompt_requests = st.builds(
    wire.PromptRequest, version=st.just(1), family=families, after_version=uint63
)


prompt_replies = st.builds(
    wire.PromptReply,
    version=st.just(1),
    record=st.none()
    | st.builds(
        signed_prompt,
        prompts,
        st.binary(min_size=32, max_size=32),
        st.integers(0, 2**63 - 1),
    ),
)
sample_requests = st.builds(
    wire.SampleRequest, version=st.just(1), topic=topics, limit=st.integers(1, 1024)
)
heads_requests = st.builds(
    wire.SyncHeadsRequest,
    version=st.just(1),
    topics=st.lists(topics, max_size=wire.MAX_HEADS_TOPICS),
)
heads_responses = st.builds(
    wire.SyncHeadsResponse,
    version=st.just(1),
    heads=st.lists(uint63, max_size=wire.MAX_HEADS_TOPICS),
)
checkpoint_requests = st.builds(
    wire.CheckpointRequest, version=st.just(1), run_id=run_ids, round=rounds
)
checkpoint_blobs = st.builds(
    wire.CheckpointBlob,
    version=st.just(1),
    run_id=run_ids,
    round=rounds,
    tensors=st.binary(max_size=3000),
    window=st.lists(
        st.builds(
            wire.WindowKey,
            version=st.just(1),
            round=rounds,
            author=st.text(min_size=1, max_size=128),
        ),
        max_size=20,
    ),
)
theta_hashes = st.builds(
    wire.ThetaHash,
    version=st.just(1),
    run_id=run_ids,
    round=rounds,
    sha256=st.binary(min_size=32, max_size=32),
)
