# The two commands: `make run` and `make test`. Both start from a clean clone.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
FLASK  := $(BIN)/flask --app app:create_app

.PHONY: run test test-fast js screenshots fuzz lint format migrate vendor clean translations messages stack stack-down

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements-dev.txt requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(VENV)/.runtime $@

## run: install, migrate, serve http://127.0.0.1:5000 (SQLite in instance/, one gevent process)
run: $(VENV)/.runtime translations instance/config.py
	$(FLASK) db upgrade
	$(BIN)/python wsgi.py

# This checkout's settings, written by the first `make run` and never again: the server and every
# `.venv/bin/flask --app app:create_app ...` typed in a shell read them, so both run in development
# on the same database. The environment still wins over the file.
instance/config.py:
	printf '%s\n' \
	  '# Written by the first `make run`; yours to edit (instance/config.example.py lists the settings).' \
	  '# In development, the secret key is generated into instance/secret_key; the database is' \
	  '# instance/bridge.sqlite, for `make run` and `.venv/bin/flask --app app:create_app ...` alike.' \
	  'APP_ENV = "development"' > $@

## test: everything: the front end's checks, then unit, socket, live-server and real-browser tests
test: js $(VENV)/.dev translations
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## test-fast: without the real-browser tests
test-fast: js $(VENV)/.dev translations
	$(BIN)/python -m pytest -m "not e2e" $(PYTEST_ARGS)

# The front end's tools, exactly as package-lock.json pins them (Node and npm from Debian's packages).
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

## js: ESLint over app/static/js, then the unit tests of its pure modules (vitest, tests/js)
js: node_modules/.installed
	node_modules/.bin/eslint
	node_modules/.bin/vitest run

## screenshots: the real-browser tests, refreshing docs/screenshots/ from the screens they reach
screenshots: $(VENV)/.dev translations
	DOCS_SCREENSHOTS=1 $(BIN)/python -m pytest -m e2e $(PYTEST_ARGS)

## fuzz: every socket command against 10,000 generated payloads, a new seed each run (FUZZ_EXAMPLES=...)
fuzz: $(VENV)/.dev translations
	scripts/fuzz.sh

## translations: compile the catalogues (the .mo files are built, not committed)
translations: $(VENV)/.runtime
	$(BIN)/pybabel -q compile -d app/translations

## messages: re-extract the strings and update the catalogues, then translate what is new
messages: $(VENV)/.runtime
	$(BIN)/pybabel extract -F babel.cfg -k _l --project="Bridge Co-Design" -o app/translations/messages.pot . \
	  && $(BIN)/pybabel update -i app/translations/messages.pot -d app/translations

lint: $(VENV)/.dev node_modules/.installed
	$(BIN)/ruff check . && $(BIN)/ruff format --check . && node_modules/.bin/eslint

format: $(VENV)/.dev
	$(BIN)/ruff format . && $(BIN)/ruff check --fix .

## migrate: make a new migration after changing app/models.py (MESSAGE="...")
migrate: $(VENV)/.runtime
	APP_ENV=development $(FLASK) db migrate -m "$(MESSAGE)"

vendor:
	scripts/vendor.sh

clean:
	rm -rf $(VENV) node_modules .pytest_cache .ruff_cache test-artifacts

## stack: the scale-out stack locally (PostgreSQL, Redis, 2 gunicorn processes, nginx on :8080); see docs/deploy.md
stack: $(VENV)/.runtime translations
	scripts/stack.sh up

stack-down:
	scripts/stack.sh down

## bench: N phones (default 500) against `python wsgi.py` on a free port and a temporary SQLite,
## then the bare-server ceiling; stops the server (BENCH_ARGS: more options, see docs/performance.md)
N ?= 500
.PHONY: bench
bench: $(VENV)/.dev translations
	$(BIN)/python -m bench.room --start --participants $(N) $(BENCH_ARGS)
