#!/usr/bin/env bash
# Make sure MariaDB/MySQL answers and the services' databases exist.
#
#   bash infra/local/mariadb.sh
#
# Why this exists: on the sandbox/dev machines MariaDB is a machine-wide
# service (not ours to stop or configure), but it can be down after a reboot,
# and each service expects its own database to exist before it runs its
# migrations. This script is the one idempotent "DB is usable" gate that
# up.sh and test setups call.
#
# Knobs (environment):
#   MYSQL_HOST      (default 127.0.0.1)
#   MYSQL_PORT      (default 3306)
#   MYSQL_USER      (default root)
#   MYSQL_PASSWORD  (default empty)
#   MYSQL_WAIT      seconds to wait after starting a local server (default 30)
set -euo pipefail

MYSQL_HOST="${MYSQL_HOST:-127.0.0.1}"
MYSQL_PORT="${MYSQL_PORT:-3306}"
MYSQL_USER="${MYSQL_USER:-root}"
MYSQL_PASSWORD="${MYSQL_PASSWORD:-}"
MYSQL_WAIT="${MYSQL_WAIT:-30}"

# One database per service: they are owned by different services and must be
# migratable independently.
DATABASES="crp_customer crp_order_ingest crp_csv_import crp_tpl_connection"

# The machine's own server binary; only where it exists may we start it.
MARIADBD=/usr/sbin/mariadbd

die() {
  echo "mariadb.sh: $*" >&2
  exit 1
}

pick() {
  local candidate
  for candidate in "$@"; do
    if command -v "$candidate" >/dev/null 2>&1; then
      echo "$candidate"
      return 0
    fi
  done
  return 1
}

# MariaDB renamed its tools; Debian ships both names today, but newer
# releases drop the mysql* symlinks and MySQL hosts only have mysql*.
ADMIN="$(pick mariadb-admin mysqladmin)" || die "neither mariadb-admin nor mysqladmin found (apt-get install mariadb-client)"
CLIENT="$(pick mariadb mysql)" || die "neither mariadb nor mysql client found (apt-get install mariadb-client)"

# The password travels in MYSQL_PWD rather than -p so it never shows in `ps`.
# When none is configured, drop any inherited MYSQL_PWD: the contract is
# "empty password unless MYSQL_PASSWORD is set".
if [ -n "$MYSQL_PASSWORD" ]; then
  export MYSQL_PWD="$MYSQL_PASSWORD"
else
  unset MYSQL_PWD
fi

# --no-defaults: a developer's ~/.my.cnf (other user, socket, password) must
# not silently change what this script checks. --protocol=TCP: "localhost"
# would otherwise mean the unix socket, not the port the services will use.
CONN=(--no-defaults --protocol=TCP -h "$MYSQL_HOST" -P "$MYSQL_PORT" -u "$MYSQL_USER")

# `ping` exits 0 whenever the server answers, even on "access denied"; bad
# credentials are caught by the CREATE DATABASE step with its own message.
answers() {
  "$ADMIN" "${CONN[@]}" --connect-timeout=2 ping >/dev/null 2>&1
}

is_local_host() {
  case "$MYSQL_HOST" in
    127.0.0.1 | localhost | ::1) return 0 ;;
    *) return 1 ;;
  esac
}

if ! answers; then
  if is_local_host && [ -x "$MARIADBD" ] && command -v start-stop-daemon >/dev/null 2>&1; then
    echo "mariadb.sh: no answer at $MYSQL_HOST:$MYSQL_PORT; starting the machine's MariaDB"
    # --oknodo: harmless if it is already running (e.g. just slow to answer).
    start-stop-daemon --start --oknodo --background --exec "$MARIADBD" ||
      die "start-stop-daemon could not start $MARIADBD"
    deadline=$((SECONDS + MYSQL_WAIT))
    until answers; do
      [ "$SECONDS" -lt "$deadline" ] ||
        die "MariaDB is started but nothing answers at $MYSQL_HOST:$MYSQL_PORT after ${MYSQL_WAIT}s: is MYSQL_PORT the port it is configured for? (its error log: /var/log/mysql/ or journalctl)"
      sleep 0.5
    done
  else
    # Only the machine's own server is ours to start; anything else (remote
    # host, Docker, no MariaDB installed) is the caller's to bring up.
    die "cannot reach MariaDB/MySQL at $MYSQL_HOST:$MYSQL_PORT (this script only starts a local $MARIADBD when the host is local); start it yourself or fix MYSQL_HOST/MYSQL_PORT"
  fi
fi

sql=""
for db in $DATABASES; do
  sql="${sql}CREATE DATABASE IF NOT EXISTS \`$db\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;"
done
# The server's own error log is where to look when it misbehaves; it is the
# machine's file, not ours, so we only report where it is.
sql="${sql}SELECT VERSION(), @@log_error;"

if ! out="$("$CLIENT" "${CONN[@]}" --batch --skip-column-names -e "$sql" 2>&1)"; then
  die "MariaDB answers at $MYSQL_HOST:$MYSQL_PORT but creating the databases failed (MYSQL_USER/MYSQL_PASSWORD?): $out"
fi
version="${out%%$'\t'*}"
error_log="${out#*$'\t'}"

echo "MariaDB $version listening on $MYSQL_HOST:$MYSQL_PORT (user $MYSQL_USER)"
echo "  databases: $DATABASES"
echo "  server log: ${error_log:-stderr of the server process}"
