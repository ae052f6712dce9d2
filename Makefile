# secretary: a self-hosted meeting secretary. `make help` lists the targets.
SHELL := /bin/bash
UV_VERSION := 0.13.9
UV := $(shell command -v uv 2>/dev/null || echo "python3 -m uv")
FILE ?=

.PHONY: help system-deps sync run up test lint format schemas bench

help: ## Show the targets and what they do
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

system-deps: ## Install ffmpeg (and espeak-ng, sox for tests) when missing
	@if ! command -v ffmpeg >/dev/null || ! command -v espeak-ng >/dev/null || ! command -v sox >/dev/null; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ffmpeg espeak-ng sox >/dev/null; \
	  else echo "Please install ffmpeg, espeak-ng and sox (e.g. sudo apt-get install ffmpeg espeak-ng sox)"; exit 1; fi; \
	fi

sync: ## Install the Python workspace from the lockfile
	@command -v uv >/dev/null || python3 -m uv --version >/dev/null 2>&1 || python3 -m pip install --quiet "uv==$(UV_VERSION)"
	@CMAKE_ARGS="-DGGML_NATIVE=OFF" $(UV) sync --all-packages --frozen --quiet

run: system-deps sync ## Transcribe a recording: make run FILE=meeting.mp4
	@test -n "$(FILE)" || { echo "usage: make run FILE=path/to/recording"; exit 2; }
	@$(UV) run --frozen --no-sync secretary run "$(FILE)"

up: system-deps sync ## Start every service locally; REST API on http://127.0.0.1:8000
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

schemas: sync ## Regenerate the JSON Schemas, the AsyncAPI document and docs/configuration.md
	@$(UV) run --frozen --no-sync python -m secretary_contracts.generate
	@$(UV) run --frozen --no-sync python tools/settings_doc.py > docs/configuration.md

bench: system-deps sync ## Pipeline vs sequential baseline: make bench MINUTES=5
	@$(UV) run --frozen --no-sync python bench/pipeline.py --minutes $${MINUTES:-5}
