# Shelf's front door. `make run` starts the whole system on SQLite; `make test` tests it all.
# Each project (a lib, a service, tools, tests) has its own uv environment and lock file.

PYTHON ?= python3
TOOLS := $(CURDIR)/.tools
UV := $(TOOLS)/bin/uv
HONCHO := $(TOOLS)/bin/honcho
export UV_PYTHON_DOWNLOADS := never
export UV_PYTHON := $(shell command -v $(PYTHON))

LIBS := libs/shelf-http libs/shelf-kit libs/shelf-identity libs/shelf-fetch
SERVICES := services/auth services/api services/tasks services/ui
TOOL_PROJECTS := tools/shelfctl
PROJECTS := $(LIBS) $(SERVICES) $(TOOL_PROJECTS) tests bench
DATA_SERVICES := auth api tasks

.DEFAULT_GOAL := help
.PHONY: help tools setup browser migrate admin run ctl test test-unit test-system test-tools bench bench-quick lint openapi compose-check clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

$(UV) $(HONCHO): tools/requirements.txt
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check -r tools/requirements.txt
	@touch $(UV) $(HONCHO)

tools: $(UV) $(HONCHO) ## Install uv and honcho into .tools/

setup: tools ## Create every project's environment from its lock file
	@for project in $(PROJECTS); do \
		echo "==> $$project"; \
		(cd $$project && $(UV) sync --frozen --quiet) || exit 1; \
	done

browser: ## Install Debian's Chromium for the browser tests (Playwright drives it), if missing
	@if [ -x /usr/bin/chromium ]; then :; \
	elif command -v apt-get >/dev/null 2>&1; then \
		echo "==> installing chromium (apt)"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; \
	else \
		echo "The browser tests need Chromium at /usr/bin/chromium (Debian's chromium package)."; exit 1; \
	fi

migrate: setup ## Migrate every service's database (SQLite files under var/ by default)
	@for service in $(DATA_SERVICES); do \
		echo "==> migrating $$service"; \
		services/$$service/.venv/bin/shelf-$$service db upgrade || exit 1; \
	done

admin: migrate ## Create the first admin from SHELF_ADMIN_USERNAME / SHELF_ADMIN_PASSWORD
	@if [ -n "$$SHELF_ADMIN_USERNAME" ] && [ -n "$$SHELF_ADMIN_PASSWORD" ]; then \
		services/auth/.venv/bin/shelf-auth create-admin; \
	else \
		echo "No admin was created: set SHELF_ADMIN_USERNAME and SHELF_ADMIN_PASSWORD, or run"; \
		echo "  services/auth/.venv/bin/shelf-auth create-admin --username NAME --password PASSWORD"; \
	fi

run: admin ## Start every process (Ctrl-C stops them all)
	@echo ""
	@echo "Shelf is starting:"
	@echo "  ui     http://127.0.0.1:$${SHELF_UI_PORT:-8000}   <- open this"
	@echo "  auth   http://127.0.0.1:$${SHELF_AUTH_PORT:-8001}"
	@echo "  api    http://127.0.0.1:$${SHELF_API_PORT:-8002}"
	@echo "  tasks  http://127.0.0.1:$${SHELF_TASKS_PORT:-8003}"
	@echo ""
	$(HONCHO) start -f Procfile

ctl: setup ## Run the operators' CLI: make ctl ARGS="status" (see tools/shelfctl)
	@tools/shelfctl/.venv/bin/shelfctl $(ARGS)

test: setup browser ## Run every test: each project's own suite, then the whole system
	@$(MAKE) --no-print-directory test-unit test-system test-tools

test-unit: ## Each lib's and service's tests, in its own environment
	@for project in $(LIBS) $(SERVICES); do \
		echo "==> testing $$project"; \
		(cd $$project && $(UV) run --frozen --quiet pytest -q) || exit 1; \
	done

test-system: browser ## The cross-service tests: real processes, on SQLite (and Postgres if set)
	@echo "==> testing the whole system on SQLite"
	@cd tests && env -u SHELF_TEST_POSTGRES_URL $(UV) run --frozen --quiet pytest -q
	@if [ -n "$$SHELF_TEST_POSTGRES_URL" ]; then \
		echo "==> testing the whole system again on Postgres"; \
		cd tests && $(UV) run --frozen --quiet pytest -q; \
	fi

test-tools: ## The operators' tools, against the running system
	@for project in $(TOOL_PROJECTS); do \
		echo "==> testing $$project"; \
		(cd $$project && $(UV) run --frozen --quiet pytest -q) || exit 1; \
	done

bench: setup ## Benchmarks: tables of figures (SQLite; Postgres too when SHELF_TEST_POSTGRES_URL is set)
	@cd bench && $(UV) run --frozen --quiet python run.py $(BENCH_ARGS)

bench-quick: setup ## The benchmarks on 5,000 bookmarks with short measurements (~2 min)
	@cd bench && $(UV) run --frozen --quiet python run.py --quick $(BENCH_ARGS)

lint: setup ## ruff over every project
	$(UV) tool run ruff@0.17.5 check libs services tests tools bench

openapi: setup ## Rewrite each service's openapi.json from its code
	@for service in $(DATA_SERVICES) ui; do \
		(cd services/$$service && .venv/bin/shelf-$$service openapi write --format=json openapi.json) || exit 1; \
	done

compose-check: setup ## Validate docker-compose.yml offline
	cd tests && $(UV) run --frozen --quiet pytest -q test_compose.py

clean: ## Remove environments and local data
	rm -rf .tools var $(addsuffix /.venv,$(PROJECTS))
