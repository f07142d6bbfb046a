# SAM Leerplatform. `make run` and `make test` work from a fresh clone: they create the
# virtualenv, install, migrate and (for run) load the demo data.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
FLASK  := $(BIN)/flask --app wsgi
HOST   ?= 127.0.0.1
PORT   ?= 5000

# Debian packages the tests use from the machine: Chromium (browser tests), the CJK font
# (certificates), libical through GObject (iTIP check of invitations), poppler (PDF to
# image). Installed with apt-get when missing and apt-get can run; otherwise the tests
# that need them are skipped with their reason (the font test fails: it is a product need).
SYSTEM_PACKAGES_CHECK := command -v chromium >/dev/null && command -v pdftoppm >/dev/null \
  && [ -f /usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf ] \
  && /usr/bin/python3 -c "import gi; gi.require_version('ICalGLib', '3.0')" 2>/dev/null
SYSTEM_PACKAGES := chromium fonts-droid-fallback gir1.2-ical-3.0 python3-gi poppler-utils

.PHONY: run test test-tools system-packages bench lint format install translations migrate demo mail clean lock

# Test tools from the npm registry, installed into the git-ignored tests/.tools/ (never
# committed): the Nu HTML Checker (run with the machine's Java). Without npm or the
# registry, the HTML validity test is skipped with its reason.
TOOLS       := tests/.tools
VNU_VERSION := 26.9.27
VNU_PACKAGE := $(TOOLS)/node_modules/vnu-jar/package.json

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Everything is installed from the lock file (exact versions with their hashes, the `dev`
# extra: production, test and lint tools included), then the project itself without its
# dependencies, so every machine and CI run the versions the suite passed with.
LOCK := requirements.lock

$(VENV)/.installed: pyproject.toml $(LOCK) | $(BIN)/python
	$(BIN)/python -m pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

# Regenerate $(LOCK) from pyproject.toml with uv, installed into a throwaway virtualenv
# (never into .venv). Pins already in the lock are kept unless LOCK_ARGS says otherwise:
# `make lock LOCK_ARGS=--upgrade` (everything to the newest allowed version) or
# `make lock LOCK_ARGS="--upgrade-package flask"`.
LOCK_ARGS ?=
lock:
	tools=$$(mktemp -d) && trap 'rm -rf "$$tools"' EXIT && \
	$(PYTHON) -m venv "$$tools" && "$$tools/bin/pip" install --quiet uv && \
	"$$tools/bin/uv" pip compile pyproject.toml --extra dev --universal --python-version 3.11 \
	  --generate-hashes --annotation-style line --custom-compile-command "make lock" \
	  --quiet $(LOCK_ARGS) -o $(LOCK)

install: $(VENV)/.installed translations

translations: $(VENV)/.installed
	$(BIN)/pybabel -q compile -d lms/translations

migrate: install
	$(FLASK) db upgrade

demo: migrate
	$(FLASK) lms demo

# Absolute links (mail, feeds, QR codes) follow the port unless LMS_BASE_URL is set.
run: export LMS_BASE_URL ?= http://$(HOST):$(PORT)
run: migrate
	$(FLASK) lms demo --if-empty
	$(FLASK) run --host $(HOST) --port $(PORT)

# Development mail: a local SMTP catcher on 127.0.0.1:$(MAIL_PORT) (where the development
# configuration sends) that keeps every message as a file in instance/mail/new/.
# Send the queue to it with `.venv/bin/flask --app wsgi lms mail send --once`.
MAIL_PORT ?= 1025
mail: install
	mkdir -p instance/mail
	@echo "Mail caught on 127.0.0.1:$(MAIL_PORT) lands in instance/mail/new/ (Ctrl+C stops)"
	$(BIN)/python -m aiosmtpd -n -l 127.0.0.1:$(MAIL_PORT) -c aiosmtpd.handlers.Mailbox instance/mail

test-tools:
	@if [ -f $(VNU_PACKAGE) ] && grep -q '"version": "$(VNU_VERSION)"' $(VNU_PACKAGE); then :; \
	elif command -v npm >/dev/null 2>&1; then \
	  echo "Installing vnu-jar@$(VNU_VERSION) into $(TOOLS)/"; \
	  npm install --prefix $(TOOLS) --no-save --no-audit --no-fund --ignore-scripts \
	    --loglevel=error vnu-jar@$(VNU_VERSION) \
	    || echo "Could not install vnu-jar: the HTML validity test will be skipped"; \
	else echo "npm is missing: the HTML validity test will be skipped"; fi

test: install test-tools system-packages
	$(BIN)/pytest

bench: install
	$(BIN)/python -m bench

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) instance/lms.db* .pytest_cache

system-packages:
	@if $(SYSTEM_PACKAGES_CHECK); then :; \
	elif command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	  echo "Installing Debian packages for the tests: $(SYSTEM_PACKAGES)"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(SYSTEM_PACKAGES)) \
	    || echo "Could not install $(SYSTEM_PACKAGES): the tests that need them say so"; \
	else echo "Missing Debian packages ($(SYSTEM_PACKAGES)) and no apt-get as root: the tests that need them say so"; fi
