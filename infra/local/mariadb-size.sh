#!/usr/bin/env bash
# Size the local MariaDB's InnoDB buffer pool and redo log for volume (benchmarks, big imports).
#
#   bash infra/local/mariadb-size.sh            # raise to the defaults below where lower
#   MYSQL_BUFFER_POOL_MB=8192 bash infra/local/mariadb-size.sh
#
# Why: a Debian MariaDB starts with a 128 MB buffer pool and a 96 MB redo log. Past about
# 50,000 customers the services' tables and indexes no longer fit, and every batch reads its pages
# back from the file system: measured on the 2-core development machine (docs/performance.md),
# 200,000 orders ran at 659 orders/s with MariaDB at 1.6 ms of CPU per order, against 1,591 orders/s
# and 0.4 ms for the first 20,000. Production sizes its own server (docs/operations.md); this
# script is for the machine-managed server of a development or CI machine.
#
# Both settings are dynamic (SET GLOBAL, MariaDB 10.11 and later for the redo log): nothing is
# written to the server's configuration, a restart of the server returns to its own settings, and
# a setting already at or above the target is left as it is (never lowered).
#
# Knobs (environment): MYSQL_HOST, MYSQL_PORT, MYSQL_USER, MYSQL_PASSWORD as mariadb.sh;
#   MYSQL_BUFFER_POOL_MB  (default 2048)
#   MYSQL_REDO_LOG_MB     (default 1024)
set -euo pipefail

MYSQL_HOST="${MYSQL_HOST:-127.0.0.1}"
MYSQL_PORT="${MYSQL_PORT:-3306}"
MYSQL_USER="${MYSQL_USER:-root}"
BUFFER_POOL_MB="${MYSQL_BUFFER_POOL_MB:-2048}"
REDO_LOG_MB="${MYSQL_REDO_LOG_MB:-1024}"
if [ -n "${MYSQL_PASSWORD:-}" ]; then export MYSQL_PWD="$MYSQL_PASSWORD"; else unset MYSQL_PWD; fi

CLIENT="$(command -v mariadb || command -v mysql)" || {
  echo "mariadb-size.sh: neither mariadb nor mysql client found" >&2
  exit 1
}
q() { "$CLIENT" --no-defaults --protocol=TCP -h "$MYSQL_HOST" -P "$MYSQL_PORT" -u "$MYSQL_USER" --batch --skip-column-names -e "$1"; }

raise() {
  local var="$1" want_mb="$2" have
  have="$(q "SELECT @@$var")"
  local want=$((want_mb * 1024 * 1024))
  if [ "$have" -ge "$want" ]; then
    echo "  $var: $((have / 1024 / 1024)) MB (kept)"
  elif q "SET GLOBAL $var = $want" 2>/dev/null; then
    echo "  $var: $((have / 1024 / 1024)) → $want_mb MB"
  else
    echo "  $var: $((have / 1024 / 1024)) MB (this server cannot change it while running; set it in its configuration)"
  fi
}

echo "MariaDB at $MYSQL_HOST:$MYSQL_PORT, sized for volume (until the server restarts):"
raise innodb_buffer_pool_size "$BUFFER_POOL_MB"
raise innodb_log_file_size "$REDO_LOG_MB"
