# Guichet: two commands for a fresh machine.
#   make run   — the portal with demo data on http://127.0.0.1:8000 (PORT=... to change)
#   make test  — the whole suite: lint, types, migrations, deploy checks, pytest on SQLite
#                (and on PostgreSQL when DATABASE_URL is set), and the browser journeys.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
STAMP := $(VENV)/.installed

.PHONY: run test install messages lint typecheck checks pytest pytest-postgres e2e clean

$(STAMP): pyproject.toml package.json package-lock.json
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	npm ci --silent --no-audit --no-fund
	touch $(STAMP)

install: $(STAMP)

# Compiled translations are build output: made from the .po files before anything runs.
messages: install
	$(BIN)/python manage.py compilemessages --ignore=.venv --ignore=node_modules -v0

run: export GUICHET_BASE_URL ?= http://127.0.0.1:$(PORT)
run: messages
	mkdir -p var
	$(BIN)/python manage.py migrate --no-input -v0
	$(BIN)/python manage.py load_catalog
	$(BIN)/python manage.py seed_demo
	PORT=$(PORT) PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/honcho start -f Procfile

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy guichet

checks: messages
	$(BIN)/python manage.py makemigrations --check --dry-run
	GUICHET_DEPLOYMENT=production SECRET_KEY=ci-only-$$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n') \
		ALLOWED_HOSTS=guichet.example.tg GUICHET_BASE_URL=https://guichet.example.tg \
		$(BIN)/python manage.py check --deploy --fail-level WARNING

pytest: messages
	env -u DATABASE_URL $(BIN)/pytest -m "not e2e" -q

pytest-postgres: messages
	@if [ -n "$$DATABASE_URL" ]; then \
		echo "== pytest on $$(echo $$DATABASE_URL | sed 's#//[^@]*@#//#')"; \
		$(BIN)/pytest -m "not e2e" -q; \
	else echo "== DATABASE_URL not set: PostgreSQL run skipped"; fi

e2e: messages
	env -u DATABASE_URL $(BIN)/pytest -m e2e -q

test: lint typecheck checks pytest pytest-postgres e2e

clean:
	rm -rf $(VENV) node_modules var staticfiles
