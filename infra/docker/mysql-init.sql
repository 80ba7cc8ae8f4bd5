-- Run once by the mysql:8.0 image when its data volume is first initialised
-- (mounted into /docker-entrypoint-initdb.d by infra/docker-compose.yml).
-- One database per service so each can migrate independently; keep this list
-- in sync with infra/local/mariadb.sh, which does the same without Docker.
-- utf8mb4_unicode_ci is spelled out because MySQL 8's default collation
-- (utf8mb4_0900_ai_ci) does not exist in MariaDB, which the local setup uses.
CREATE DATABASE IF NOT EXISTS `crp_customer` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE DATABASE IF NOT EXISTS `crp_order_ingest` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE DATABASE IF NOT EXISTS `crp_csv_import` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE DATABASE IF NOT EXISTS `crp_tpl_connection` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
