# Leadboard — the two set-up commands: `make run` and `make test`.
SHELL := /bin/bash
SUDO := $(shell [ "$$(id -u)" = "0" ] || echo sudo)
PORT ?= 8080
DATA_DIR ?= ./data
SYSTEM_PACKAGES := libsqlite3-dev libargon2-dev
TEST_PACKAGES := chromium python3-venv
VENV := .venv

.PHONY: run test deps test-deps build release swift-test browser-test bench clean

# Installs the C libraries the build links against, when missing.
deps:
	@missing=""; for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then echo "Installing$$missing"; $(SUDO) apt-get update -qq && $(SUDO) DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; fi

release: deps
	swift build -c release --product leadboard

# Builds in release mode, creates the database with demo data and serves on 127.0.0.1:$(PORT).
run: release
	.build/release/leadboard serve --demo --host 127.0.0.1 --port $(PORT) --data-dir $(DATA_DIR)

# Installs chromium and a Python venv with Playwright + pytest (Playwright drives Debian's chromium).
test-deps: deps
	@missing=""; for p in $(TEST_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then echo "Installing$$missing"; $(SUDO) apt-get update -qq && $(SUDO) DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; fi
	@# Reinstalls when requirements.txt is newer than the last install (a stamp inside the venv).
	@[ -x $(VENV)/bin/pytest ] && [ $(VENV)/.requirements-stamp -nt Tests/browser/requirements.txt ] || \
	  { python3 -m venv $(VENV) && $(VENV)/bin/pip install -q -r Tests/browser/requirements.txt && touch $(VENV)/.requirements-stamp; }

build: deps
	swift build --build-tests

swift-test: build
	swift test

browser-test: build test-deps
	LEADBOARD_BIN=$(CURDIR)/.build/debug/leadboard $(VENV)/bin/pytest -q Tests/browser

# Runs every test: the Swift suites (unit, database, route) and the browser tests.
test: build test-deps
	swift test
	LEADBOARD_BIN=$(CURDIR)/.build/debug/leadboard $(VENV)/bin/pytest -q Tests/browser

clean:
	rm -rf .build $(VENV)
