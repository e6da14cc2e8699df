from __future__ import annotations

import subprocess
import sys

import numpy as np

from models.adapt.corruptions import corrupt
from models.adapt.device import DOMAIN_BYTES, DeviceAdapter
from models.adapt.digits import DigitSplits, to_uint8, to_unit
from models.adapt.domain_keys import SCALE, DomainKeys, batch_descriptors
from models.adapt.ledger import SCORE_BYTES
from models.adapt.payload import encode_prompt
from models.adapt.prompts import additive_family, filter_feature_family
from models.adapt.uncertainty import entropy
from models.adapt.validator import PromptValidator


class _CountingForward:
    """Logits from the image mean: brighter images are more certain. Counts calls."""

    def __init__(self) -> None:
        self.images_seen = 0

    def __call__(self, images: np.ndarray, prompt: dict[str, np.ndarray]) -> np.ndarray:
        self.images_seen += len(images)
        x = images + prompt.get("prompt", 0.0)
        logits = np.zeros((len(images), 10), np.float32)
        logits[:, 3] = 40 * x.mean(axis=(1, 2, 3))
        return logits


def _batch(n: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (n, 16, 16), dtype=np.uint8)


def test_uploads_are_the_most_uncertain_quarter() -> None:
    forward = _CountingForward()
    device = DeviceAdapter(forward, PromptValidator(additive_family(), 8.0), "entropy", 0.25)
    images = _batch(40, 0)
    out = device.process(images)
    assert len(out.upload_index) == 10
    scores = entropy(forward(images.astype(np.float32)[:, None] / 255, {}))
    assert set(out.upload_index.tolist()) == set(np.argsort(-scores)[:10].tolist())
    np.testing.assert_array_equal(out.upload_images, images[out.upload_index])
    assert out.predictions.shape == (40,)


def test_byte_accounting_adds_up() -> None:
    forward = _CountingForward()
    device = DeviceAdapter(forward, PromptValidator(additive_family(), 8.0), "tta", 0.25)
    sizes = (40, 20, 13)
    for i, n in enumerate(sizes):
        device.process(_batch(n, i))
        device.offer_prompt(encode_prompt("additive", i + 1, np.zeros(256, np.float32)))
    ledger = device.ledger
    uploads = sum(max(1, round(0.25 * n)) for n in sizes)
    assert ledger.samples_seen == sum(sizes) == 73
    assert ledger.uploads == uploads == 10 + 5 + 3
    assert ledger.uplink_bytes == uploads * (256 + SCORE_BYTES)
    assert ledger.uplink_per_sample == ledger.uplink_bytes / 73
    assert ledger.downlink_payload_bytes == 3 * 512
    assert ledger.downlink_bytes == 3 * (512 + 8 + 32) and ledger.downlink_per_round == 552
    # tta: the prediction pass plus four shifted views, all counted per sample
    assert ledger.forward_passes == forward.images_seen == 5 * 73


def test_device_applies_only_valid_prompts() -> None:
    forward = _CountingForward()
    device = DeviceAdapter(forward, PromptValidator(additive_family(), 8.0))
    assert device.offer_prompt(encode_prompt("additive", 1, np.full(256, 0.25))).accepted
    assert not device.offer_prompt(encode_prompt("additive", 2, np.full(256, np.nan))).accepted
    np.testing.assert_array_equal(device.prompt_arrays()["prompt"], np.full((1, 1, 16, 16), 0.25))


def test_mc_dropout_and_random_measures_run() -> None:
    family = filter_feature_family()
    for measure in ("mc_dropout", "random"):
        forward = _CountingForward()
        device = DeviceAdapter(forward, PromptValidator(family, 8.0), measure, 0.5, seed=1)
        out = device.process(_batch(8, 3))
        assert len(out.upload_index) == 4 and np.all(np.isfinite(out.upload_scores))


def test_device_modules_do_not_import_torch() -> None:
    code = (
        "import sys\n"
        "import models.adapt.device, models.adapt.runner, models.adapt.validator\n"
        "import models.adapt.uncertainty, models.adapt.stream, models.adapt.payload\n"
        "import models.adapt.domain_keys, models.adapt.unseen\n"
        "assert 'torch' not in sys.modules, 'torch imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_mix_selection_uploads_half_top_half_other() -> None:
    forward = _CountingForward()
    validator = PromptValidator(additive_family(), 8.0)
    device = DeviceAdapter(forward, validator, "entropy", 0.25, selection="mix")
    images = _batch(40, 0)
    out = device.process(images)
    scores = entropy(forward(images.astype(np.float32)[:, None] / 255, {}))
    assert len(out.upload_index) == 10 == len(set(out.upload_index.tolist()))
    assert set(np.argsort(-scores)[:5].tolist()) <= set(out.upload_index.tolist())
    np.testing.assert_array_equal(out.upload_scores, scores[out.upload_index])


def test_domain_keys_tell_domains_apart_and_recognise_them_again(splits: DigitSplits) -> None:
    keys = DomainKeys()
    x = splits.stream_images.astype(np.float32) / np.float32(255)
    rng = np.random.default_rng(0)
    ids = []
    for domain in ("clean", "fog", "shift", "clean", "fog", "dark", "shift"):
        pick = rng.permutation(len(x))[:50]
        ids.append(keys.assign(to_unit(to_uint8(corrupt(x[pick], domain, 5, rng)))))
    assert ids == [0, 1, 2, 0, 1, 3, 2]
    assert batch_descriptors(to_unit(splits.val_images[:50])).shape == (len(SCALE),)


def test_each_domain_is_predicted_with_its_own_prompt(splits: DigitSplits) -> None:
    forward = _CountingForward()
    family = additive_family()
    device = DeviceAdapter(forward, PromptValidator(family, 8.0), "entropy", 0.25,
                           domains=DomainKeys())  # fmt: skip
    clean = splits.val_images[:40]
    dark = to_uint8(clean.astype(np.float32) / 255 * 0.1)
    first = device.process(clean)
    assert first.domain == 0 and device.process(dark).domain == 1
    lift = np.full(family.size, 0.5, np.float32)
    verdict = device.offer_prompt(encode_prompt(family.name, 1, lift, domain=1))
    assert verdict.accepted and set(device.prompts) == {1}
    again_clean, again_dark = device.process(clean), device.process(dark)
    np.testing.assert_array_equal(again_clean.predictions, first.predictions)  # still neutral
    assert again_dark.domain == 1 and device.prompt_arrays(1)["prompt"].max() == 0.5
    assert device.ledger.uplink_bytes == 4 * (10 * (256 + SCORE_BYTES) + DOMAIN_BYTES)
