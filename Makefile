# Entry points. Every target does its own set-up first (see tools/setup.sh).
# Settings come from the environment: ODOO_SRC, VENV, BUILD, PGHOST, PGPORT,
# DB_USER, TEST_DB, DEMO_DB (defaults in tools/env.sh).

.PHONY: test demo setup lint format i18n

test:
	tools/test.sh $(ARGS)

demo:
	tools/demo.sh

setup:
	tools/setup.sh

lint:
	tools/python -m ruff check .
	tools/python -m ruff format --check .

format:
	tools/python -m ruff format .
	tools/python -m ruff check --fix .

# Regenerate i18n/ongoing_fortnox_sync.pot and update i18n/sv.po (on the test database).
i18n:
	tools/python tools/i18n.py "$$(tools/python -c 'import os; print(os.environ["ODOO_CONF"])')" $${TEST_DB:-ongoing_fortnox_test}
