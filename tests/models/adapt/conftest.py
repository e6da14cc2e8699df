"""Small shared fixtures: the digit splits and a briefly trained device model."""

from __future__ import annotations

import pytest
import torch

from models.adapt.digits import DigitSplits, load_digit_splits
from models.adapt.nets import DeviceCNN, FoldedDeviceCNN
from models.adapt.training import TrainConfig, device_model


@pytest.fixture(scope="session")
def splits() -> DigitSplits:
    return load_digit_splits()


@pytest.fixture(scope="session")
def trained_device(splits: DigitSplits) -> DeviceCNN:
    torch.set_num_threads(1)
    return device_model(splits, seed=0, cache_dir=None, config=TrainConfig(device_epochs=3))


@pytest.fixture(scope="session")
def folded(trained_device: DeviceCNN) -> FoldedDeviceCNN:
    return trained_device.fold()
