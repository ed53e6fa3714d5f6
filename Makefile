# Two commands for a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# The demo login `make run` creates; set your own with make run DEMO_ADMIN_PASSWORD=...
DEMO_ADMIN_EMAIL ?= admin@example.org
DEMO_ADMIN_PASSWORD ?= demo-admin-password
# The port `make run` serves on: make run PORT=8123
PORT ?= 8000
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)

.PHONY: run run-scale test install lint bench clean migration

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-* && touch $(STAMP)

install: $(STAMP)

run: install
	@command -v tesseract >/dev/null || { apt-get update -qq && apt-get install -y -qq tesseract-ocr tesseract-ocr-spa; } >/dev/null 2>&1 || echo "Tesseract OCR is not installed: scanned faxes cannot be read (PDFs with a text layer still work)"
	$(BIN)/referraldesk db upgrade
	$(BIN)/referraldesk practice load --demo
	printf '%s\n' '$(DEMO_ADMIN_PASSWORD)' | $(BIN)/referraldesk user create --role admin \
		--password-stdin --exist-ok $(DEMO_ADMIN_EMAIL)
	@echo "dashboard: http://127.0.0.1:$(PORT)/admin  ($(DEMO_ADMIN_EMAIL) / the password it was created with, $(DEMO_ADMIN_PASSWORD) by default; change it)"
	REFERRALDESK_PUBLIC_URL="$${REFERRALDESK_PUBLIC_URL:-http://127.0.0.1:$(PORT)}" \
		$(BIN)/referraldesk serve --host 127.0.0.1 --port $(PORT)

# The scale-out layout: PostgreSQL and Redis on 127.0.0.1, two web instances, two workers.
run-scale: install
	deploy/run-scale.sh

test: install
	$(BIN)/python -m pytest -n 2 -q

lint: install
	$(BIN)/ruff check src tests bench

clean:
	rm -rf $(VENV) var .pytest_cache

# Developers: regenerate the initial migration from the models (before the first release).
# Hand-written later revisions (0002: PostgreSQL triggers) are set aside meanwhile:
# alembic cannot place them while their parent is missing.
migration: install
	mkdir -p /tmp/referraldesk-later-revisions
	mv src/referraldesk/migrations/versions/000[2-9]_*.py /tmp/referraldesk-later-revisions/
	rm -f src/referraldesk/migrations/versions/0001_initial_schema.py /tmp/referraldesk-migration.db
	$(BIN)/python -c "from alembic import command; from referraldesk.db.migrate import alembic_config; command.revision(alembic_config('sqlite:////tmp/referraldesk-migration.db'), message='initial schema', autogenerate=True, rev_id='0001')"
	mv /tmp/referraldesk-later-revisions/*.py src/referraldesk/migrations/versions/
	$(BIN)/ruff format --quiet src/referraldesk/migrations/versions
