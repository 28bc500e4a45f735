#!/bin/sh
# Build editors/vscode/aims.vsix. The extension needs vscode-languageclient at run time, so it is
# packaged WITH its production dependencies; versions come from package-lock.json (npm ci).
# Needs Node.js >= 20 and npm (@vscode/vsce 3 needs Node 20), and a reachable npm registry.
set -eu
cd "$(dirname "$0")"
command -v npm >/dev/null 2>&1 || { echo "package.sh: npm not found (install Node.js >= 20)" >&2; exit 1; }
node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' || {
  echo "package.sh: Node.js >= 20 needed, found $(node --version)" >&2
  exit 1
}
npm ci --no-audit --no-fund
# The parts of the extension that need no editor (test/*.test.js).
node --test test/
npx --no-install vsce package -o aims.vsix
echo "built $(pwd)/aims.vsix"
