# Shelf's front door. `make run` starts the whole system on SQLite; `make test` tests it all.
# Each project (a lib, a service, tools, tests) has its own uv environment and lock file.

PYTHON ?= python3
TOOLS := $(CURDIR)/.tools
UV := $(TOOLS)/bin/uv
HONCHO := $(TOOLS)/bin/honcho
CADDY := $(TOOLS)/bin/caddy
export UV_PYTHON_DOWNLOADS := never
export UV_PYTHON := $(shell command -v $(PYTHON))
# Python caches compiled modules (.pyc) here even where the machine says not to (CI's machines
# set PYTHONDONTWRITEBYTECODE): every process the tests start (gunicorn, a command, a pytest
# worker) would otherwise compile flask, sqlalchemy and the rest from source again, about 1 s
# of CPU each, hundreds of times a run.
unexport PYTHONDONTWRITEBYTECODE

LIBS := libs/shelf-http libs/shelf-kit libs/shelf-identity libs/shelf-fetch
SERVICES := services/auth services/api services/tasks services/ui
TOOL_PROJECTS := tools/shelfctl
PROJECTS := $(LIBS) $(SERVICES) $(TOOL_PROJECTS) tests bench
DATA_SERVICES := auth api tasks
# The type checker, ruff and ruff format hold every project.
TYPED := $(PROJECTS)
RUFF := $(UV) tool run ruff@0.17.5
MYPY := $(UV) tool run mypy@1.19.1

# What `make run` (and the targets it runs, and `make ctl`) give every process. Ports are one
# setting each; every service's URL follows its port unless it is set too. A second copy of
# Shelf runs beside the first with other ports and another SHELF_DATA_DIR (see README.md).
RUN_TARGETS := run migrate admin secrets ctl
# The processes are the Procfile's: one gunicorn worker per web service, with threads (4, api 8),
# and tasks' worker with the scheduler as a thread of it. SHELF_<SERVICE>_WORKERS and
# SHELF_<SERVICE>_THREADS (e.g. SHELF_API_WORKERS=2) change them; README.md says what each costs.
$(RUN_TARGETS): export SHELF_DATA_DIR ?= var
$(RUN_TARGETS): export SHELF_PORT ?= 8000
$(RUN_TARGETS): export SHELF_AUTH_PORT ?= 8001
$(RUN_TARGETS): export SHELF_API_PORT ?= 8002
$(RUN_TARGETS): export SHELF_TASKS_PORT ?= 8003
$(RUN_TARGETS): export SHELF_UI_PORT ?= 8004
$(RUN_TARGETS): export SHELF_SMTP_PORT ?= 8025
$(RUN_TARGETS): export SHELF_PUBLIC_URL ?= http://127.0.0.1:$(SHELF_PORT)
$(RUN_TARGETS): export SHELF_AUTH_URL ?= http://127.0.0.1:$(SHELF_AUTH_PORT)
$(RUN_TARGETS): export SHELF_API_URL ?= http://127.0.0.1:$(SHELF_API_PORT)
$(RUN_TARGETS): export SHELF_TASKS_URL ?= http://127.0.0.1:$(SHELF_TASKS_PORT)
$(RUN_TARGETS): export SHELF_UI_URL ?= http://127.0.0.1:$(SHELF_UI_PORT)
# This installation's secrets, made once under SHELF_DATA_DIR; each command below reads them.
SECRETS = $(SHELF_DATA_DIR)/secrets.env
WITH_SECRETS = $(PYTHON) deploy/secret_files.py exec $(SECRETS) --

# Docker compose (make compose-env, make deploy); `make test-compose` starts its own stack.
COMPOSE ?= docker compose

.DEFAULT_GOAL := help
.PHONY: help tools setup browser secrets migrate admin run ctl test test-unit test-system test-tools test-compose fuzz bench bench-quick lint openapi compose-check compose-env deploy clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

$(UV) $(HONCHO) $(CADDY): tools/requirements.txt
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check -r tools/requirements.txt
	@touch $(UV) $(HONCHO) $(CADDY)

tools: $(UV) $(HONCHO) $(CADDY) ## Install uv, honcho and Caddy (the gateway) into .tools/

setup: tools ## Create every project's environment from its lock file
	@for project in $(PROJECTS); do \
		echo "==> $$project"; \
		(cd $$project && $(UV) sync --frozen --quiet) || exit 1; \
	done

browser: ## Install Debian's Chromium headless shell for the browser tests (Playwright drives it), if missing
	@if [ -x /usr/bin/chromium-headless-shell ]; then :; \
	elif command -v apt-get >/dev/null 2>&1; then \
		echo "==> installing chromium-headless-shell (apt)"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium-headless-shell >/dev/null; \
	elif [ -x /usr/bin/chromium ]; then :; \
	else \
		echo "The browser tests need Debian's chromium-headless-shell (or chromium) package."; exit 1; \
	fi

secrets: ## Make this installation's secrets in $SHELF_DATA_DIR/secrets.env (never overwritten)
	@$(PYTHON) deploy/secret_files.py local $(SECRETS)

migrate: setup secrets ## Migrate every service's database (SQLite files under var/ by default)
	@for service in $(DATA_SERVICES); do \
		echo "==> migrating $$service"; \
		$(WITH_SECRETS) services/$$service/.venv/bin/shelf-$$service db upgrade || exit 1; \
	done

admin: migrate ## Create the first admin from SHELF_ADMIN_USERNAME / SHELF_ADMIN_PASSWORD
	@if [ -n "$$SHELF_ADMIN_USERNAME" ] && [ -n "$$SHELF_ADMIN_PASSWORD" ]; then \
		$(WITH_SECRETS) services/auth/.venv/bin/shelf-auth create-admin; \
	else \
		echo "No admin was created: set SHELF_ADMIN_USERNAME and SHELF_ADMIN_PASSWORD, or run"; \
		echo "  $(WITH_SECRETS) services/auth/.venv/bin/shelf-auth create-admin --username NAME --password PASSWORD"; \
	fi

run: admin ## Start every process behind the front door (Ctrl-C stops them all)
	@echo ""
	@echo "Shelf is starting at $(SHELF_PUBLIC_URL)   <- open this (the pages, /api/, /auth/, /health)"
	@echo "  the services' own ports: auth $(SHELF_AUTH_PORT), api $(SHELF_API_PORT), tasks $(SHELF_TASKS_PORT), ui $(SHELF_UI_PORT); mail sink (SMTP) $(SHELF_SMTP_PORT)"
	@echo "  data and secrets: $(SHELF_DATA_DIR)/"
	@echo ""
	@$(WITH_SECRETS) $(HONCHO) start -f Procfile

ctl: setup ## Run the operators' CLI: make ctl ARGS="status" (see tools/shelfctl)
	@tools/shelfctl/.venv/bin/shelfctl $(ARGS)

# `make test` runs the suites JOBS at a time (longest first), each suite's output shown whole
# when it ends, and the compose test beside them in a slot of its own (JOBS + 1): it mostly
# waits (on containers' health checks, on a redeploy), and run alone after the other suites it
# left the machine 80-95 % idle for two minutes. Most of a suite's time is spent waiting (on
# processes starting, on Postgres, on deadlines a test proves), so the long suites also run
# TEST_WORKERS processes each (pytest-xdist): the system suite a test file per process, each
# process with a Shelf of its own.
JOBS ?= 3
TEST_WORKERS ?= 2
SYSTEM_PARALLEL = -n $(TEST_WORKERS) --dist loadfile
PARALLEL_SUITES := services/api services/tasks services/auth
SYSTEM_SUITES := $(if $(SHELF_TEST_POSTGRES_URL),system/postgres) system/sqlite
UNIT_SUITES := unit/services/api unit/services/tasks unit/services/auth unit/services/ui \
	$(addprefix unit/,$(LIBS) $(TOOL_PROJECTS))
.PHONY: $(SYSTEM_SUITES) $(UNIT_SUITES)

test: setup browser ## Run every test: each project's own suite, the whole system (three suites at a time), and compose when Docker answers
	@$(MAKE) --no-print-directory -j$$(($(JOBS) + 1)) --keep-going --output-sync=target \
		test-compose $(SYSTEM_SUITES) $(UNIT_SUITES)

test-unit: ## Each lib's, service's and tool's tests, in its own environment
	@$(MAKE) --no-print-directory -j$(JOBS) --output-sync=target $(UNIT_SUITES)

test-system: browser ## The cross-service tests: real processes, on SQLite (and Postgres if set)
	@$(MAKE) --no-print-directory -j$(JOBS) --output-sync=target $(SYSTEM_SUITES)

test-tools: ## The operators' tools' tests
	@$(MAKE) --no-print-directory $(addprefix unit/,$(TOOL_PROJECTS))

# Environments are made by `setup` (before the suites start): two suites of one project (tests/
# on SQLite and on Postgres) running `uv run` at once would otherwise both sync its .venv.
$(UNIT_SUITES): unit/%: setup
	@echo "==> testing $*"
	@cd $* && $(UV) run --frozen --no-sync --quiet pytest -q $(if $(filter $*,$(PARALLEL_SUITES)),-n $(TEST_WORKERS))

system/sqlite: setup browser
	@echo "==> testing the whole system on SQLite"
	@cd tests && env -u SHELF_TEST_POSTGRES_URL $(UV) run --frozen --no-sync --quiet pytest -q -m "not compose" $(SYSTEM_PARALLEL)

system/postgres: setup browser
	@echo "==> testing the whole system on Postgres"
	@cd tests && $(UV) run --frozen --no-sync --quiet pytest -q -m "not compose and not make_run" $(SYSTEM_PARALLEL)

test-compose: setup ## docker compose for real: build, up, the flows through the gateway, a redeploy, down (skipped without a Docker engine)
	@echo "==> testing docker compose"
	@cd tests && $(UV) run --frozen --no-sync --quiet pytest -q -m compose

fuzz: setup browser ## A longer, random fuzz of every service (FUZZ_EXAMPLES=100 per operation); findings replay from tests/.hypothesis/
	@cd tests && SHELF_FUZZ=random SHELF_FUZZ_EXAMPLES=$(or $(FUZZ_EXAMPLES),100) \
		$(UV) run --frozen --quiet pytest -q test_fuzz.py

bench: setup ## Benchmarks: tables of figures (SQLite; Postgres too when SHELF_TEST_POSTGRES_URL is set)
	@cd bench && $(UV) run --frozen --quiet python run.py $(BENCH_ARGS)

bench-quick: setup ## The benchmarks on 5,000 bookmarks with short measurements (~2 min)
	@cd bench && $(UV) run --frozen --quiet python run.py --quick $(BENCH_ARGS)

lint: setup ## ruff, ruff format and mypy over every project
	$(RUFF) check libs services tests tools bench deploy
	$(RUFF) format --check libs services tests tools bench deploy
	@for project in $(TYPED); do \
		echo "==> mypy $$project"; \
		(cd $$project && $(MYPY) --config-file $(CURDIR)/mypy.ini \
			--python-executable .venv/bin/python $$([ -d src ] && echo src || echo .)) || exit 1; \
	done

openapi: setup ## Rewrite each service's openapi.json from its code
	@for service in $(DATA_SERVICES) ui; do \
		(cd services/$$service && SHELF_ENV=test .venv/bin/shelf-$$service openapi write --format=json openapi.json) || exit 1; \
	done

compose-check: setup ## Validate docker-compose.yml and the files it uses, offline
	cd tests && $(UV) run --frozen --quiet pytest -q test_compose.py

compose-env: ## Write .env for docker compose with random secrets (never overwrites one)
	@$(PYTHON) deploy/secret_files.py compose .env

deploy: ## Rebuild one service's image and replace its containers one by one: make deploy SERVICE=api
	@deploy/rollout $(SERVICE)

clean: ## Remove environments and local data
	rm -rf .tools var $(addsuffix /.venv,$(PROJECTS))
