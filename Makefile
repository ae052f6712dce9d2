# secretary: a self-hosted meeting secretary. `make help` lists the targets.
SHELL := /bin/bash
UV_VERSION := 0.13.9
UV := $(shell command -v uv 2>/dev/null || echo "python3 -m uv")
FILE ?=

.PHONY: help system-deps uv sync-run sync-up sync run up test lint format schemas bench

help: ## Show the targets and what they do
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

# `make run` needs ffmpeg; the tests also speak with espeak-ng, shape voices with sox and
# read the review page in Chromium (command:package where the two differ)
RUN_PACKAGES := ffmpeg
TEST_PACKAGES := ffmpeg espeak-ng sox chromium chromedriver:chromium-driver
define install_packages
	@missing=""; for c in $(1); do command -v $${c%%:*} >/dev/null || missing="$$missing $${c##*:}"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else echo "Please install$$missing (e.g. sudo apt-get install$$missing)"; exit 1; fi; \
	fi
endef

system-deps: ## Install ffmpeg, espeak-ng, sox and Chromium when missing
	$(call install_packages,$(TEST_PACKAGES))

uv:
	@command -v uv >/dev/null || python3 -m uv --version >/dev/null 2>&1 || python3 -m pip install --quiet "uv==$(UV_VERSION)"

# --inexact: running never uninstalls what `make test` installed
sync-run: uv
	@$(UV) sync --frozen --quiet --inexact --no-default-groups --group run

sync-up: uv
	@$(UV) sync --frozen --quiet --inexact --no-default-groups --group up

sync: uv ## Install the whole Python workspace, test tooling included, from the lockfile
	@CMAKE_ARGS="-DGGML_NATIVE=OFF" $(UV) sync --frozen --quiet

run: sync-run ## Transcribe a recording: make run FILE=meeting.mp4
	$(call install_packages,$(RUN_PACKAGES))
	@test -n "$(FILE)" || { echo "usage: make run FILE=path/to/recording"; exit 2; }
	@$(UV) run --frozen --no-sync secretary run "$(FILE)"

up: sync-up ## Start every service locally; REST API on http://127.0.0.1:8000
	$(call install_packages,$(RUN_PACKAGES))
	@$(UV) run --frozen --no-sync secretary up

test: system-deps sync lint ## Lint, type-check and run every test
	@$(UV) run --frozen --no-sync pytest

lint: sync ## ruff (lint + format check) and mypy
	@$(UV) run --frozen --no-sync ruff check .
	@$(UV) run --frozen --no-sync ruff format --check .
	@$(UV) run --frozen --no-sync mypy libs services cli tests bench tools conftest.py

format: sync ## Apply ruff's fixes and formatting
	@$(UV) run --frozen --no-sync ruff check --fix .
	@$(UV) run --frozen --no-sync ruff format .

schemas: sync ## Regenerate the JSON Schemas, the AsyncAPI document, docs/configuration.md and NATS users
	@$(UV) run --frozen --no-sync python -m secretary_contracts.generate
	@$(UV) run --frozen --no-sync python tools/asyncapi.py > docs/asyncapi.yaml
	@$(UV) run --frozen --no-sync python tools/settings_doc.py > docs/configuration.md
	@$(UV) run --frozen --no-sync python tools/nats_auth.py > k8s/base/nats/auth.conf

bench: system-deps sync ## Pipeline (in pieces and whole) vs the whisperX recipe: make bench MINUTES=10
	@$(UV) run --frozen --no-sync python bench/pipeline.py --minutes $${MINUTES:-10}
