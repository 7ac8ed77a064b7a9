-- Runs once, when the postgres container initialises an empty data volume
-- (files in /docker-entrypoint-initdb.d are run by psql as POSTGRES_USER, here "shelf").
--
-- One database per service: no service opens another's database (DESIGN.md, rule 2).
-- To add one to an existing volume, run the statements by hand:
--   docker compose exec postgres psql -U shelf -d shelf -c 'CREATE DATABASE shelf_<name>'

CREATE DATABASE shelf_auth;
CREATE DATABASE shelf_api;
CREATE DATABASE shelf_tasks;

-- api searches with pg_trgm GIN indexes; create the extension here so that api's own
-- migrations ("CREATE EXTENSION IF NOT EXISTS pg_trgm") find it even without superuser rights.
\connect shelf_api
CREATE EXTENSION IF NOT EXISTS pg_trgm;
