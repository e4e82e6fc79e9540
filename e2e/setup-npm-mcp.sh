#!/usr/bin/env bash
# Installs the MCP reference server (@modelcontextprotocol/server-everything,
# pinned in e2e/testdata/mcp/package-lock.json) that the MCP client tests in
# core/mcp run against. Without it those tests skip and say so.
# Needs Node 18 or newer and npm.
set -euo pipefail
cd "$(dirname "$0")/testdata/mcp"
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
	echo "setup-npm-mcp: node and npm are required (Node 18 or newer)" >&2
	exit 1
fi
major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$major" -lt 18 ]; then
	echo "setup-npm-mcp: Node $(node --version) is too old; the reference server needs 18 or newer" >&2
	exit 1
fi
npm ci --no-audit --no-fund --ignore-scripts
echo "setup-npm-mcp: installed into $(pwd)/node_modules"
