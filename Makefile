# Two commands do everything on a fresh Debian machine with Python 3.11:
#   make run   - the site on http://127.0.0.1:8000 against a local Cognito stack
#   make test  - the whole test suite, browser tests included, on SQLite then PostgreSQL
# and one shows the production profile working:
#   make serve - production settings under gunicorn, with PostgreSQL and Redis, same port
PYTHON ?= python3
VENV := .venv
MS_VENV := .venv-ministack
CHROMIUM := /usr/bin/chromium

.PHONY: run serve test lint format bench clean-local

run: $(VENV)/.installed $(MS_VENV)/.installed
	$(VENV)/bin/python -m devstack.run

# The production settings under gunicorn, a throw-away PostgreSQL and Redis, the local
# Cognito stack (devstack/serve.py; installs postgresql and redis-server when root).
serve: $(VENV)/.installed $(MS_VENV)/.installed
	$(VENV)/bin/python -m devstack.serve

# The suite runs twice: on SQLite, then on a throw-away PostgreSQL cluster on loopback
# (devstack/postgres.py installs PostgreSQL when root, and says so when it skips).
test: $(VENV)/.installed $(MS_VENV)/.installed $(CHROMIUM)
	$(VENV)/bin/python -m pytest $(PYTEST_ARGS)
	$(VENV)/bin/python -m devstack.postgres $(VENV)/bin/python -m pytest $(PYTEST_ARGS)

# Every benchmark. The user admin's seeds a throw-away pool of BENCH_USERS users, a
# quick 200 by default; `make bench BENCH_USERS=10000` gives the README's figures
# (seeding alone takes about 7.5 minutes: MiniStack slows as the pool grows).
BENCH_USERS ?= 200

bench: $(VENV)/.installed $(MS_VENV)/.installed
	$(VENV)/bin/python -m bench.verify_tokens
	$(VENV)/bin/python -m bench.api
	$(VENV)/bin/python -m bench.my_files
	$(VENV)/bin/python -m bench.cognito_admin $(BENCH_USERS)

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.installed
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Forget every local user and pool: the next `make run` starts from scratch.
clean-local:
	rm -rf .local

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

# MiniStack pins an exact botocore, so it lives in a virtual environment of its own.
$(MS_VENV)/.installed: requirements-ministack.txt
	test -d $(MS_VENV) || $(PYTHON) -m venv $(MS_VENV)
	$(MS_VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-ministack.txt
	touch $@

# Playwright cannot download its own browser here: the tests drive Debian's Chromium.
$(CHROMIUM):
	@if [ "$$(id -u)" = "0" ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else \
		echo "Chromium is missing: run 'sudo apt-get install chromium' (the browser tests need $(CHROMIUM))."; exit 1; \
	fi
