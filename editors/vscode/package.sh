#!/bin/sh
# Build editors/vscode/aims.vsix. The extension needs vscode-languageclient at run time, so it is
# packaged WITH its production dependencies; versions come from package-lock.json (npm ci).
# Needs Node.js >= 20 and npm (the registry must be reachable).
set -eu
cd "$(dirname "$0")"
npm ci --no-audit --no-fund
npx --no-install vsce package -o aims.vsix
echo "built $(pwd)/aims.vsix"
