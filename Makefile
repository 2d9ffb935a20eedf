# ipdesk: `make run` starts the app with demo data; `make test` runs the whole suite.
# Both set everything up on a fresh Debian machine: system packages, .venv, catalogues, database.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
DEMO_CASES ?= 300
# about 20 enquiries per case, as the programme's consultations outnumber its supports
DEMO_ENQUIRIES ?= 6000
IPDESK_ENV ?= development
export FLASK_APP := wsgi
export IPDESK_ENV

.PHONY: run test bench setup setup-dev axe screenshots system-deps system-deps-test translations db demo lint format \
        translate-extract translate-update translate-compile clean

# Mail is printed here (MAIL_BACKEND=console), or kept as .eml files in instance/mail with
# MAIL_BACKEND=folder; a thread of the server sends it right after each change, and another adds deadline
# reminders and daily digests every NOTIFY_DUE_MINUTES (5) from the first page served on.
run: setup db demo
	@echo "ipdesk is starting on http://127.0.0.1:$(PORT); e-mail goes to $${MAIL_BACKEND:-the console}"
	BASE_URL=$${BASE_URL:-http://127.0.0.1:$(PORT)} $(BIN)/flask run --host 127.0.0.1 --port $(PORT) --with-threads

test: setup-dev
	scripts/run-tests.sh

setup: system-deps $(VENV)/.installed translations
setup-dev: system-deps-test $(VENV)/.installed-dev translations axe

bench: setup-dev  # speed and memory at network scale beside their floors; writes bench/RESULTS.md (bench/README.md)
	@scripts/install-system-deps.sh --bench
	$(BIN)/python -m bench.run

screenshots: setup-dev  # every main page in both languages, as PNGs in screenshots/
	$(BIN)/python scripts/screenshots.py

axe:  # axe-core for the accessibility checks of the browser tests, from the npm registry
	@$(PYTHON) scripts/fetch-axe.py

system-deps:
	@scripts/install-system-deps.sh

system-deps-test:  # the browser tests drive Debian's chromium; tests/core/test_deploy_units.py runs systemd-analyze
	@scripts/install-system-deps.sh --browser

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements.txt
	@touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements-dev.txt
	@touch $(VENV)/.installed $@

# Compiled catalogues are build output (git ignores them); the set-up makes them.
translations: $(patsubst %.po,%.mo,$(wildcard translations/*/LC_MESSAGES/messages.po))
translations/%.mo: translations/%.po | $(VENV)/.installed
	$(BIN)/pybabel compile -i $< -o $@

db: setup
	$(BIN)/flask db upgrade

demo: db
	$(BIN)/flask seed-demo --cases $(DEMO_CASES) --enquiries $(DEMO_ENQUIRIES)

translate-extract: setup
	$(BIN)/flask translate extract
translate-update: setup
	$(BIN)/flask translate update
translate-compile: setup
	$(BIN)/flask translate compile

lint: setup-dev
	$(BIN)/ruff check .

format: setup-dev
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache translations/*/LC_MESSAGES/*.mo
