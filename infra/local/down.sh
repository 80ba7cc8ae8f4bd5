#!/usr/bin/env bash
# Stop what up.sh started. Only Kafka: MariaDB is a machine-wide service that
# other projects and sessions share, so stopping it is not ours to decide.
#
#   bash infra/local/down.sh      (or: npm run infra:down)
set -euo pipefail

SCRIPT_DIR="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)"

bash "$SCRIPT_DIR/kafka.sh" stop "$@"
