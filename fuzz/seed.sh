#!/usr/bin/env bash
# Seed the fuzz corpora from the project's own inputs: policies, examples, the book's code blocks,
# test fixtures and the public card corpus (tests/corpus, and ../shared/corpus when it exists).
# Usage: fuzz/seed.sh   (idempotent; files are named by content hash)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
out=fuzz/corpus
mkdir -p "$out"/{parse,check,fmt,lsp_edits,facts_json,facts_yaml,facts_toml,facts_markdown,evaluate,plugin_compile,render}

add() { # add TARGET FILE
  local target=$1 file=$2 h
  h=$(sha1sum "$file" | cut -c1-16)
  cp "$file" "$out/$target/$h"
}

extra=()
[ -d ../shared/corpus ] && extra+=(../shared/corpus)

while IFS= read -r -d '' f; do
  add parse "$f"; add check "$f"; add fmt "$f"; add lsp_edits "$f"
done < <(find policies examples tests crates -type f -name '*.aims' -print0)

# ```aims blocks of the book, one seed each
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
find book -name '*.md' -print0 | xargs -0 awk -v dir="$tmp" '
  /^```aims/ { inblock=1; n++; next }
  /^```/ && inblock { inblock=0; next }
  inblock { print > (dir "/block" n ".aims") }'
for f in "$tmp"/*.aims; do
  [ -e "$f" ] || continue
  add parse "$f"; add check "$f"; add fmt "$f"; add lsp_edits "$f"
done

while IFS= read -r -d '' f; do
  case "$f" in
    *.json) add facts_json "$f" ;;
    *.yaml|*.yml) add facts_yaml "$f" ;;
    *.toml) add facts_toml "$f" ;;
    *.md) add facts_markdown "$f" ;;
  esac
done < <(find tests examples policies crates "${extra[@]}" -type f \( -name '*.json' -o -name '*.yaml' -o -name '*.yml' -o -name '*.toml' -o -name '*.md' \) -size -1024k -print0)

# Markdown cards' front matter is YAML: seed the YAML loader with it too.
for f in "$out"/facts_markdown/*; do
  [ -e "$f" ] || continue
  awk 'NR==1 && $0!="---" {exit} NR>1 && $0=="---" {exit} NR>1 {print}' "$f" > "$tmp/fm"
  [ -s "$tmp/fm" ] && add facts_yaml "$tmp/fm"
done

# The evaluator reads model cards: every card of tests/corpus, and of the bulk corpus the ones under
# 8 KB (the campaign's inputs are cut to MAX_LEN anyway).
while IFS= read -r -d '' f; do
  add evaluate "$f"
done < <(find tests/corpus/hf-model-cards "${extra[@]/%//hf-model-cards-bulk}" -type f -name '*.md' -size -8k -print0 2>/dev/null)

# Plugin modules: the WAT fixtures of the host's tests and the built example plugins, when present.
while IFS= read -r -d '' f; do
  add plugin_compile "$f"
done < <(find crates/aims-plugin/tests/fixtures target/plugins -type f \( -name '*.wat' -o -name '*.wasm' \) -print0 2>/dev/null)

for t in "$out"/*; do echo "$(basename "$t"): $(ls "$t" | wc -l) seeds"; done
