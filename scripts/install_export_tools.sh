#!/usr/bin/env bash
# Install the npm tools the export tests use into .tools/ (git-ignored):
#   kotlin-compiler  - kotlinc for the Android demo's JVM core (needs a JDK >= 17)
#   onnxruntime-node - the second, independent runtime for the parity check; pinned to the
#                      onnxruntime-android release the demo app uses (export/versions.py)
# Idempotent and fast when already installed; exits 0 with a note if npm or java is missing
# (the tests then skip with that reason). Only the npm registry is needed.
set -euo pipefail
cd "$(dirname "$0")/.."
TOOLS=.tools
KOTLIN_VERSION=2.1.21
ORT_VERSION=1.22.0
STAMP="$TOOLS/.installed-kotlin-$KOTLIN_VERSION-ort-$ORT_VERSION"

for tool in npm node java; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "install_export_tools: $tool not found; export tool tests will be skipped" >&2
        exit 0
    fi
done
if [ -f "$STAMP" ]; then
    exit 0
fi
mkdir -p "$TOOLS"
cat > "$TOOLS/package.json" <<JSON
{
  "private": true,
  "description": "byteswarm export verification tools (scripts/install_export_tools.sh)",
  "dependencies": {
    "kotlin-compiler": "$KOTLIN_VERSION",
    "onnxruntime-node": "$ORT_VERSION"
  }
}
JSON
# onnxruntime-node ships its CPU binaries in the package; its install script would only
# fetch optional GPU libraries, so it is skipped (and scripts are not run at all).
ONNXRUNTIME_NODE_INSTALL=skip npm install --prefix "$TOOLS" --no-audit --no-fund \
    --ignore-scripts --loglevel=error >&2
chmod +x "$TOOLS/node_modules/kotlin-compiler/bin/"*
rm -f "$TOOLS"/.installed-*
touch "$STAMP"
echo "install_export_tools: installed into $TOOLS" >&2
