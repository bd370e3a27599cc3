# The two commands of the README: `make run` and `make test`. Everything else supports them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test deps db frontend lint typecheck pytest bench clean-db

# Run the platform with the demo campaign on the self-provisioned local PostGIS.
run: deps frontend
	$(BIN)/decoders demo
	$(BIN)/decoders serve --host $(HOST) --port $(PORT)

# Same provisioning, then lint, types and every test (unit, integration, browser).
test: deps frontend
	bash scripts/system-deps.sh --test
	$(BIN)/decoders db upgrade
	$(MAKE) lint typecheck pytest

deps: $(STAMP)

$(STAMP): pyproject.toml scripts/system-deps.sh
	bash scripts/system-deps.sh
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

# The build generates the API types from the app's OpenAPI document, hence the virtualenv.
frontend: deps
	@if [ -f frontend/package.json ]; then \
	  cd frontend && (test -d node_modules && test node_modules/.package-lock.json -nt package-lock.json || npm ci --no-audit --no-fund) && \
	  DECODERS_PYTHON=$(abspath $(BIN)/python) npm run build; \
	fi

lint:
	$(BIN)/ruff check app tests migrations bench
	$(BIN)/ruff format --check app tests migrations bench
	@if [ -f frontend/package.json ]; then cd frontend && npm run --silent lint && npm run --silent format:check; fi

typecheck:
	$(BIN)/mypy app

pytest:
	$(BIN)/pytest $(PYTEST_ARGS)

bench: deps
	$(BIN)/python -m bench.run_all $(BENCH_ARGS)

db:
	$(BIN)/decoders db start
