"""Copy an export into the Android demo's assets: the model, its contract, a neutral
prompt file (replaceable without re-export) and the bundled digits."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np

from export.errors import ExportError
from export.goldens import npy_bytes, read_golden
from export.verify import verify_model

ASSET_NAMES = ("device.onnx", "device.contract.json", "prompt.npy", "digits.npy")


def demo_assets_dir() -> Path:
    """``android_demo/app/src/main/assets`` of the source checkout this package runs from."""
    root = Path(__file__).resolve().parents[1] / "android_demo"
    if not root.is_dir():
        raise ExportError(f"--android needs the source checkout's android_demo/ ({root})")
    return root / "app" / "src" / "main" / "assets"


def copy_to_assets(out_dir: Path, assets: Path, variant_file: str = "device.onnx") -> list[Path]:
    """The app loads ``device.onnx``; any verified device variant can be shipped under it."""
    from models.adapt.prompts import family_by_name

    model_path = out_dir / variant_file
    contract = verify_model(model_path)
    if contract.model != "device":
        raise ExportError("the Android demo runs the device model only")
    assets.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(model_path, assets / "device.onnx")
    shutil.copyfile(out_dir / "device.contract.json", assets / "device.contract.json")
    neutral = family_by_name(contract.get("prompt.family")).neutral()
    (assets / "prompt.npy").write_bytes(npy_bytes(np.asarray(neutral, np.float32)))
    digits = read_golden(out_dir / "device.golden", "extra.digits_8x8.npy")
    (assets / "digits.npy").write_bytes(npy_bytes(digits))
    return [assets / name for name in ASSET_NAMES]
