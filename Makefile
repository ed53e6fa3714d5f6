# Two commands for a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)

.PHONY: run test install lint bench clean migration

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-* && touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/referraldesk db upgrade
	$(BIN)/referraldesk practice load --demo
	$(BIN)/referraldesk serve --host 127.0.0.1 --port 8000

test: install
	$(BIN)/python -m pytest -n 2 -q

lint: install
	$(BIN)/ruff check src tests bench

clean:
	rm -rf $(VENV) var .pytest_cache

# Developers: regenerate the initial migration from the models (before the first release).
migration: install
	rm -f src/referraldesk/migrations/versions/0001_initial_schema.py /tmp/referraldesk-migration.db
	$(BIN)/python -c "from alembic import command; from referraldesk.db.migrate import alembic_config; command.revision(alembic_config('sqlite:////tmp/referraldesk-migration.db'), message='initial schema', autogenerate=True, rev_id='0001')"
	$(BIN)/ruff format --quiet src/referraldesk/migrations/versions
