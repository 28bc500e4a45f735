#!/usr/bin/env bash
# Run fuzz targets for a fixed number of executions each and print one summary line per target.
# Usage: fuzz/campaign.sh RUNS TARGET...
#   MAX_LEN (default 4096) caps the input size; TIMEOUT (default 25 s) is the time one input may
#   take before it counts as a hang; FUZZ_BIN overrides where the binaries are.
# Build first: cargo +nightly fuzz build -O -a -s none
# The targets are safe Rust (unsafe is forbidden in every crate), so they are built without a
# sanitizer (-s none) and with debug assertions (-a, integer overflow checks): about 3x the speed
# of an AddressSanitizer build for the same coverage feedback.
# lsp_edits, render and evaluate are built apart with --no-trace-compares (comparison tracing took
# about half of render's time and a third of evaluate's; lsp_edits ran 2.2x the executions without
# it); a dictionary gives each the tokens tracing would find (the grammar's for lsp_edits, below;
# dict/render.dict and dict/evaluate.dict):
#   for t in lsp_edits render evaluate; do cargo +nightly fuzz build -O -a -s none --no-trace-compares $t; done
set -uo pipefail
cd "$(dirname "$0")"
runs=$1; shift
# The commit the campaign starts from (the binaries should be built from it).
commit=$(git rev-parse --short HEAD)
bin=${FUZZ_BIN:-target/x86_64-unknown-linux-gnu/release}
max_len=${MAX_LEN:-4096}
mkdir -p logs
# The policy language's keywords and operators, from the grammar, as a libFuzzer dictionary: the
# mutator inserts whole tokens instead of finding them byte by byte.
grep -oE '"[A-Za-z_]{2,}"|"(==|!=|<=|>=|->|::|//|///)"' ../grammar/aims.pest | sort -u > logs/aims.dict
for t in "$@"; do
  mkdir -p "artifacts/$t"
  flags=()
  case $t in
    parse | check | fmt | lsp_edits) flags+=(-dict=logs/aims.dict) ;;
    render | evaluate) flags+=(-dict="dict/$t.dict") ;;
  esac
  start=$(date +%s)
  "$bin/$t" -max_len="$max_len" -runs="$runs" -timeout="${TIMEOUT:-25}" -print_final_stats=1 -artifact_prefix="artifacts/$t/" \
    "${flags[@]}" "corpus/$t" > "logs/$t.log" 2>&1
  rc=$?
  end=$(date +%s)
  execs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "logs/$t.log" | awk '{print $2}')
  crashes=$(ls "artifacts/$t" 2>/dev/null | grep -c '^crash-\|^oom-\|^timeout-' || true)
  echo "$t runs=$execs max_len=$max_len seconds=$((end - start)) exit=$rc artifacts=$crashes commit=$commit"
done
