# The CRM's entry points. A fresh machine needs only python3 (3.11+), bash and make:
# uv is bootstrapped into .tools/ and the workspace synced into .venv/ from uv.lock on first use.
#   make run    the whole CRM on this machine (Tansu broker + the four services); ARGS="--only leads"
#   make seed   demo data (an org, leads, deals, orders, tickets) into a running `make run` stack
#   make test   the test suite (pytest; ARGS="-k devstack -x" passes options through)
#   make lint / make bench / make clean

SHELL := /bin/bash
PYTHON3 ?= python3
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
PY := $(VENV)/bin/python
SYNCED := $(VENV)/.synced
PROJECT_FILES := uv.lock pyproject.toml $(wildcard shared/pyproject.toml services/*/pyproject.toml)

.DEFAULT_GOAL := help
.PHONY: help sync run seed test lint bench clean browser

help:
	@echo "make run | seed | test | lint | bench | clean | browser | sync   (ARGS=... is passed to run and test)"

# Bootstrap: a private venv holding a pinned uv; rebuilt only when .tools/bin/uv is missing.
$(UV):
	$(PYTHON3) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

# The project venv, re-synced only when the lock or a pyproject changes.
$(SYNCED): $(PROJECT_FILES) | $(UV)
	$(UV) sync --frozen
	@touch $@

sync: $(SYNCED)

run: $(SYNCED)
	$(PY) -m crm_shared.devstack run $(ARGS)

seed: $(SYNCED)
	$(PY) -m crm_shared.devstack seed $(ARGS)

test: browser $(SYNCED)
	$(PY) -m pytest $(ARGS)

lint: $(SYNCED)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

bench: $(SYNCED)
	@set -e; shopt -s nullglob; for f in bench/*.py; do echo "== $$f"; $(PY) "$$f"; done

clean:
	rm -rf var/

# The browser tests drive Debian's chromium (with a CJK font for the zh-CN dashboard); install
# them when missing (root only).
browser:
	@if [ -x /usr/bin/chromium ] && [ -e /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc ]; then :; \
	elif [ "$$(id -u)" = 0 ]; then \
		echo "installing chromium and fonts-wqy-zenhei (Debian packages)"; \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium fonts-wqy-zenhei; \
	else \
		echo "warning: chromium or a CJK font is missing; as root run: apt-get install -y chromium fonts-wqy-zenhei" >&2; \
	fi
