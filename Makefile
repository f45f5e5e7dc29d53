# The two commands of the README:
#   make demo   install everything into .venv, run the main job on embedded defaults, serve the platform
#   make test   install everything into .venv, then run the whole test suite (SQLite, then the
#               database tests again on a private PostgreSQL server on 127.0.0.1, stopped afterwards
#               when the run started it)
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install system demo test test-sqlite test-postgres bench lock clean

# Suites that touch the programme database, run a second time on PostgreSQL.
DB_TESTS := tests/web tests/labelling tests/fund tests/report tests/audit

$(STAMP): pyproject.toml requirements.lock setup.py src/frenchtech/sources/_csvscan.c
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

system:
	sh scripts/system_packages.sh

demo: install
	$(BIN)/frenchtech demo --workdir var/demo
	$(BIN)/frenchtech serve --demo --home var

test: test-sqlite test-postgres

test-sqlite: install system
	$(BIN)/python -m pytest

# Stops the PostgreSQL server afterwards if it started it (even when tests fail; their status is kept).
test-postgres: install system
	@if sh scripts/ci_postgres.sh status; then started=no; else started=yes; fi; \
	url=$$(sh scripts/ci_postgres.sh) || exit 1; \
	DATABASE_URL=$$url $(BIN)/python -m pytest $(DB_TESTS); status=$$?; \
	if [ $$started = yes ]; then sh scripts/ci_postgres.sh stop; fi; \
	exit $$status

bench: install
	for b in benchmarks/bench_*.py; do $(BIN)/python $$b || exit 1; done

# Re-resolve the pinned dependency set from pyproject.toml (run after changing dependencies).
lock:
	rm -rf .lockenv && $(PYTHON) -m venv .lockenv
	.lockenv/bin/pip install --quiet --upgrade pip
	.lockenv/bin/pip install --quiet -e '.[test,bench]'
	.lockenv/bin/pip freeze --exclude-editable | grep -v '^-e' > requirements.lock
	rm -rf .lockenv

clean:
	rm -rf $(VENV) var .pytest_cache
