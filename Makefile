# Guichet: two commands for a fresh machine.
#   make run   — the portal with demo data on http://127.0.0.1:8000 (PORT=... to change)
#   make test  — the whole suite: lint, types, migrations, deploy checks, pytest on SQLite
#                (and on PostgreSQL when DATABASE_URL is set), and the browser journeys.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
# The payment sandboxes' ports: change them when another checkout or program holds 8010/8011.
PAYGATE_PORT ?= 8010
FEDAPAY_PORT ?= 8011
STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
# Every pytest run names its ten slowest tests, so a slow one is seen when it lands.
PYTEST := $(BIN)/pytest -q --durations=10

.PHONY: run test install node messages lint typecheck checks pytest pytest-postgres e2e clean

# Python only: `make run` needs no Node. setuptools' editable-install notice is not news.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	PYTHONWARNINGS=ignore $(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[dev]"
	touch $(STAMP)

# Node is test tooling only (axe-core for the browser journeys).
$(NODE_STAMP): package.json package-lock.json
	npm ci --silent --no-audit --no-fund
	touch $(NODE_STAMP)

install: $(STAMP)

node: $(NODE_STAMP)

# Compiled translations are build output: made from the .po files before anything runs.
messages: install
	$(BIN)/python manage.py compilemessages --ignore=.venv --ignore=node_modules -v0

run: export GUICHET_BASE_URL ?= http://127.0.0.1:$(PORT)
run: export PAYGATE_URL ?= http://127.0.0.1:$(PAYGATE_PORT)
run: export FEDAPAY_URL ?= http://127.0.0.1:$(FEDAPAY_PORT)
run: messages
	@# A port already held stops here with what to do, not in a restart loop once started.
	$(BIN)/python -m guichet.core.free_ports PORT=$(PORT) PAYGATE_PORT=$(PAYGATE_PORT) FEDAPAY_PORT=$(FEDAPAY_PORT)
	mkdir -p var
	$(BIN)/python manage.py migrate --no-input -v0
	$(BIN)/python manage.py load_catalog
	@# Permit signing keys (and the trust list's root key) in var/keys, the first time only.
	$(BIN)/python manage.py permit_keys create --all --if-missing
	$(BIN)/python manage.py seed_demo
	@# Static files with their gzip copies in var/static: the web process serves those first.
	$(BIN)/python manage.py collectstatic --no-input --clear -v0
	@# honcho gives each process its own PORT (web first: PORT); WEB_PORT stays the web server's.
	PORT=$(PORT) WEB_PORT=$(PORT) PAYGATE_PORT=$(PAYGATE_PORT) FEDAPAY_PORT=$(FEDAPAY_PORT) PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/honcho start -f Procfile

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy guichet

checks: messages
	$(BIN)/python manage.py makemigrations --check --dry-run
	GUICHET_DEPLOYMENT=production SECRET_KEY=ci-only-$$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n') \
		ALLOWED_HOSTS=guichet.example.tg GUICHET_BASE_URL=https://guichet.example.tg \
		CACHE_URL=$${CACHE_URL:-redis://127.0.0.1:6379/0} \
		PAYGATE_URL=https://paygate.example PAYGATE_AUTH_TOKEN=ci-only FEDAPAY_URL=https://fedapay.example \
		FEDAPAY_SECRET_KEY=ci-only FEDAPAY_WEBHOOK_SECRET=ci-only \
		GUICHET_PERMIT_ROOT_KEY="$$($(BIN)/python -c 'from cryptography.hazmat.primitives import serialization as s; from cryptography.hazmat.primitives.asymmetric import ec; print(ec.generate_private_key(ec.SECP256R1()).private_bytes(s.Encoding.PEM, s.PrivateFormat.PKCS8, s.NoEncryption()).decode())')" \
		$(BIN)/python manage.py check --deploy --fail-level WARNING

# The SQLite run keeps its cache in memory: the PostgreSQL run may use Redis at the same time.
pytest: messages
	env -u DATABASE_URL -u CACHE_URL $(PYTEST) -m "not e2e"

pytest-postgres: messages
	@if [ -n "$$DATABASE_URL" ]; then \
		echo "== pytest on $$(echo $$DATABASE_URL | sed 's#//[^@]*@#//#')"; \
		GUICHET_TESTS_SKIP_ONCE=1 $(PYTEST) -m "not e2e"; \
	else echo "== DATABASE_URL not set: PostgreSQL run skipped"; fi

e2e: messages $(NODE_STAMP)
	env -u DATABASE_URL $(PYTEST) -m e2e

# The two databases' runs share nothing (own database, own cache), so they run side by side on
# the two cores (each one's output printed whole when it ends); the browser journeys come after.
# Tests marked `once` never touch the database: the PostgreSQL run leaves them to the SQLite one.
test: lint typecheck checks
	$(MAKE) --no-print-directory -j2 --output-sync=target pytest pytest-postgres
	$(MAKE) --no-print-directory e2e

clean:
	rm -rf $(VENV) node_modules var staticfiles
