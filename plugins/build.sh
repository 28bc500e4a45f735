#!/usr/bin/env bash
# Build the example plugins to WebAssembly and copy them to target/plugins/ (not committed):
#   target/plugins/fairness.wasm, target/plugins/license_compat.wasm, target/plugins/sdk_selftest.wasm
#
# Usage: plugins/build.sh            (honours CARGO_TARGET_DIR; prints the output directory)
# The aims-plugin integration test tests/real_plugins.rs looks for the files there, or in
# $AIMS_PLUGIN_WASM_DIR; with CI set it fails when they are missing.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  rustup target add wasm32-unknown-unknown
fi

target_dir=${CARGO_TARGET_DIR:-$root/target}
out=${AIMS_PLUGIN_WASM_DIR:-$root/target/plugins}
mkdir -p "$out"

# Small modules: no debug info (the workspace's release profile keeps some), size-optimised, LTO,
# symbols stripped. Set here so the workspace profile stays as it is for native builds.
export CARGO_PROFILE_RELEASE_DEBUG=0 CARGO_PROFILE_RELEASE_STRIP=true \
  CARGO_PROFILE_RELEASE_OPT_LEVEL=s CARGO_PROFILE_RELEASE_LTO=true \
  CARGO_PROFILE_RELEASE_CODEGEN_UNITS=1 CARGO_PROFILE_RELEASE_PANIC=abort
cargo build --release --target wasm32-unknown-unknown \
  -p aims-plugin-fairness -p aims-plugin-license-compat
# the SDK's self-test plugin (panics, errors, type mapping) used by the host's tests
cargo build --release --target wasm32-unknown-unknown -p aims-plugin-sdk --example sdk_selftest

wasm=$target_dir/wasm32-unknown-unknown/release
for crate in fairness license_compat; do
  cp "$wasm/aims_plugin_${crate}.wasm" "$out/${crate}.wasm"
done
cp "$wasm/examples/sdk_selftest.wasm" "$out/sdk_selftest.wasm"
ls -l "$out"/*.wasm >&2
echo "$out"
