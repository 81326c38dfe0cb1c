# Entry points. Every target does its own set-up first (see tools/setup.sh).
# Settings come from the environment: ODOO_SRC, VENV, PGHOST, PGPORT, DB_USER,
# TEST_DB, DEMO_DB (defaults in tools/env.sh).

.PHONY: test demo setup lint format

test:
	tools/test.sh $(ARGS)

demo:
	tools/demo.sh

setup:
	tools/setup.sh

lint:
	tools/setup.sh >/dev/null
	$${VENV:-.venv}/bin/ruff check .
	$${VENV:-.venv}/bin/ruff format --check .

format:
	$${VENV:-.venv}/bin/ruff format .
	$${VENV:-.venv}/bin/ruff check --fix .
