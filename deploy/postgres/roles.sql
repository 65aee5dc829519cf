-- CEN Suite: the two database roles of a hardened installation.
--
-- The OWNER owns the database, its schema objects and so the audit table: the
-- migrations run as it, and only it could drop the audit log's triggers. The
-- APPLICATION role (web, Celery worker and beat) may read and write the tables,
-- but on the audit table only read and append: it owns nothing, cannot create
-- or alter a table, cannot drop or disable a trigger, and cannot UPDATE, DELETE
-- or TRUNCATE the audit log (accounts/migrations/0008 takes those rights back
-- from every role but the owner).
--
-- Run it as a superuser, once per installation; running it again changes
-- nothing but the passwords. On an existing database (whose owner was, say,
-- `cen`), pass that role as the owner: its tables are then granted to the
-- application role as well.
--
--   psql -v ON_ERROR_STOP=1 -h HOST -U postgres -d postgres \
--        -v database=cen -v owner=cen_owner -v owner_password='…' \
--        -v app=cen_app -v app_password='…' -f deploy/postgres/roles.sql
--
-- docker-compose.yml runs it through deploy/postgres/init-roles.sh when the
-- PostgreSQL volume is first created. Tested by tests/accounts/test_database_roles.py.

\set ON_ERROR_STOP on

SELECT format('CREATE ROLE %I LOGIN', :'owner')
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'owner') \gexec
SELECT format('CREATE ROLE %I LOGIN', :'app')
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'app') \gexec
ALTER ROLE :"owner" WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'owner_password';
ALTER ROLE :"app" WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS PASSWORD :'app_password';

SELECT format('CREATE DATABASE %I OWNER %I ENCODING %L TEMPLATE template0', :'database', :'owner', 'UTF8')
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'database') \gexec

REVOKE ALL ON DATABASE :"database" FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE :"database" TO :"app";

\connect :"database"

-- Only the owner creates objects (PostgreSQL 15 and later already refuse
-- CREATE on `public` to other roles; earlier versions granted it to PUBLIC).
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO :"app";

-- What the migrations will create, and what they already created.
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO :"app";
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public
    GRANT USAGE, SELECT ON SEQUENCES TO :"app";
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO :"app";
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO :"app";

-- The audit log: read and append only (the same as migration 0008 does).
SELECT format('REVOKE UPDATE, DELETE, TRUNCATE ON accounts_auditevent FROM %I', :'app')
WHERE to_regclass('public.accounts_auditevent') IS NOT NULL \gexec
