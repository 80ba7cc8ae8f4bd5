#!/usr/bin/env bash
# Bring up everything the services need locally: MariaDB (the machine's) and
# a single-node Kafka. Safe to run repeatedly; a second run is fast because
# both steps detect what is already there.
#
#   bash infra/local/up.sh        (or: npm run infra:up)
#
# Honours the same knobs as mariadb.sh (MYSQL_*) and kafka.sh (KAFKA_*).
set -euo pipefail

SCRIPT_DIR="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)"

# Databases first: it is the cheaper check and the one most likely to need a
# human (credentials), so fail before spending seconds on a JVM.
bash "$SCRIPT_DIR/mariadb.sh"
bash "$SCRIPT_DIR/kafka.sh" start

# Mirror kafka.sh's defaults so the summary names the same files it uses.
kafka_port="${KAFKA_PORT:-9092}"
kafka_run_dir="${KAFKA_RUN_DIR:-$SCRIPT_DIR/.run/kafka-$kafka_port}"
mysql_user="${MYSQL_USER:-root}"
# Never echo a real password into terminals/CI logs; show where it goes.
mysql_auth="$mysql_user${MYSQL_PASSWORD:+:<MYSQL_PASSWORD>}"

cat <<SUMMARY

Local infrastructure is up. For the services / tests:
  KAFKA_BROKERS=127.0.0.1:$kafka_port
  DATABASE_URL base mysql://$mysql_auth@${MYSQL_HOST:-127.0.0.1}:${MYSQL_PORT:-3306}/  (+ crp_customer | crp_order_ingest | crp_csv_import | crp_tpl_connection)
Logs:
  Kafka:   $kafka_run_dir/kafka.log
  MariaDB: machine-managed, see the 'server log' line above
Stop Kafka with: bash infra/local/down.sh   (MariaDB is left running: it is the machine's)
SUMMARY
