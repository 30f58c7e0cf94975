#!/bin/sh
# Run once by the postgres image on an empty data directory (/docker-entrypoint-initdb.d/).
# One database and one owning role per CRM service; each service runs its own Alembic migrations.
# The roles' password comes from CRM_DB_PASSWORD (set it URL-safe: it goes into DATABASE_URL).
set -eu
for db in leads sales service_desk reporting; do
  psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
    -v db="$db" -v pw="$CRM_DB_PASSWORD" <<'SQL'
CREATE ROLE :"db" LOGIN PASSWORD :'pw';
CREATE DATABASE :"db" OWNER :"db";
REVOKE ALL ON DATABASE :"db" FROM PUBLIC;
SQL
done
