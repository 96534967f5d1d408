#!/bin/sh
# Runs once, when the PostgreSQL volume is new (the image's /docker-entrypoint-initdb.d):
# a role for Temporal, which creates its own two databases (temporal-schema.sh), and a role
# and database for Đôn đốc with the two extensions its accent-insensitive search needs.
set -eu

psql -v ON_ERROR_STOP=1 --username postgres --dbname postgres \
    -v temporal_password="$TEMPORAL_DB_PASSWORD" \
    -v dondoc_password="$DONDOC_DB_PASSWORD" <<'SQL'
CREATE ROLE temporal LOGIN CREATEDB PASSWORD :'temporal_password';
CREATE ROLE dondoc LOGIN PASSWORD :'dondoc_password';
CREATE DATABASE dondoc OWNER dondoc ENCODING 'UTF8' TEMPLATE template0;
\connect dondoc
CREATE EXTENSION IF NOT EXISTS unaccent;
CREATE EXTENSION IF NOT EXISTS pg_trgm;
SQL
