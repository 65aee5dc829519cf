#!/bin/sh
# Run by the postgres image once, when its data volume is first created
# (/docker-entrypoint-initdb.d): the owner and application roles and the
# database, from deploy/postgres/roles.sql. See README.md, "Deployment".
set -eu
: "${CEN_OWNER_PASSWORD:?set CEN_OWNER_PASSWORD in .env}"
: "${CEN_APP_PASSWORD:?set CEN_APP_PASSWORD in .env}"
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
    -v database=cen \
    -v owner=cen_owner -v owner_password="$CEN_OWNER_PASSWORD" \
    -v app=cen_app -v app_password="$CEN_APP_PASSWORD" \
    -f /cen/roles.sql
