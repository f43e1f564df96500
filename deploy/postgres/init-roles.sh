#!/bin/sh
# Runs once, when the PostgreSQL container creates its data folder: one login role and
# one schema per service, each role owning its schema and nothing else.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" <<SQL
REVOKE ALL ON SCHEMA public FROM PUBLIC;
CREATE ROLE kaohe_records LOGIN PASSWORD '${RECORDS_DB_PASSWORD}';
CREATE ROLE kaohe_scoring LOGIN PASSWORD '${SCORING_DB_PASSWORD}';
CREATE ROLE kaohe_quota LOGIN PASSWORD '${QUOTA_DB_PASSWORD}';
CREATE ROLE kaohe_gateway LOGIN PASSWORD '${GATEWAY_DB_PASSWORD}';
CREATE SCHEMA records AUTHORIZATION kaohe_records;
CREATE SCHEMA scoring AUTHORIZATION kaohe_scoring;
CREATE SCHEMA quota AUTHORIZATION kaohe_quota;
CREATE SCHEMA gateway AUTHORIZATION kaohe_gateway;
ALTER ROLE kaohe_records SET search_path TO records;
ALTER ROLE kaohe_scoring SET search_path TO scoring;
ALTER ROLE kaohe_quota SET search_path TO quota;
ALTER ROLE kaohe_gateway SET search_path TO gateway;
SQL
