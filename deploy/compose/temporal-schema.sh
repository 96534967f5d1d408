#!/bin/sh
# Temporal's persistence and visibility databases on PostgreSQL, created when missing and
# brought to the schema version of this admin-tools image; safe to run on every start.
set -eu

: "${POSTGRES_SEEDS:?POSTGRES_SEEDS is required}"
: "${SQL_USER:?SQL_USER is required}"
: "${SQL_PASSWORD:?SQL_PASSWORD is required}"
export SQL_PASSWORD
schemas=/etc/temporal/schema/postgresql/v12

sql_tool() {
    temporal-sql-tool --plugin postgres12 --ep "$POSTGRES_SEEDS" -p "${DB_PORT:-5432}" \
        -u "$SQL_USER" "$@"
}

for db in temporal temporal_visibility; do
    case "$db" in
        temporal) versioned="$schemas/temporal/versioned" ;;
        *) versioned="$schemas/visibility/versioned" ;;
    esac
    sql_tool --db "$db" create || echo "database $db exists"
    # setup-schema -v 0.0 only records the version table on a new database.
    sql_tool --db "$db" setup-schema -v 0.0 || echo "database $db has a schema"
    sql_tool --db "$db" update-schema -d "$versioned"
done
echo "Temporal schemas are up to date"
