# Tagline: developer and CI entry points. `make` alone lists the targets.
#
# Every recipe runs in bash with -euo pipefail, and each stage prints a
# "==> ..." header so that a CI log is easy to follow.

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help
# The stages of `test` must run in order, even under `make -j`.
.NOTPARALLEL:
MAKEFLAGS += --no-print-directory

CARGO ?= cargo
# PostgreSQL of the second test pass (the suite itself connects to it).
PG_HOST ?= 127.0.0.1
PG_PORT ?= 5432
# wasm-opt from npm's binaryen 132 (see scripts/ensure-tools.sh --release);
# first on PATH so that a Debian binaryen (108, breaks hydration) is never used.
BINARYEN_BIN := $(CURDIR)/target/tools/binaryen/node_modules/.bin

# $(call stage,Title) prints a stage header.
stage = @printf '\n==> %s\n' '$(1)'

.PHONY: help run build build-release build-bench test lint fmt fmt-check clippy clippy-wasm \
        unit unit-sqlite unit-postgres compose-check e2e bench clean \
        tools tools-rust tools-e2e tools-release redis dotenv

help: ## List the targets
	@echo 'Tagline make targets:'
	@grep -E '^[a-zA-Z0-9_-]+:.*## ' $(MAKEFILE_LIST) \
	  | awk -F':.*## ' '{ printf "  %-15s %s\n", $$1, $$2 }'

# --- tools and services -------------------------------------------------------

tools: ## Install missing build tools (wasm target, cargo-leptos, wasm-bindgen)
	$(call stage,tools)
	scripts/ensure-tools.sh

tools-rust:
	$(call stage,tools (rust only))
	scripts/ensure-tools.sh --rust-only

tools-e2e:
	$(call stage,tools (with end-to-end: chromium, npm packages))
	scripts/ensure-tools.sh --e2e

tools-release:
	$(call stage,tools (with wasm-opt for release builds))
	scripts/ensure-tools.sh --release

redis: ## Make sure a Redis answers at REDIS_URL (starts a throwaway one)
	$(call stage,redis)
	scripts/ensure-redis.sh

# Copies .env.example to .env once; never overwrites an existing .env.
dotenv:
	@if [[ ! -f .env ]]; then cp .env.example .env; echo 'created .env from .env.example'; fi

# --- run and build --------------------------------------------------------------

run: tools redis dotenv ## Build and run the development server (cargo leptos serve)
	$(call stage,cargo leptos serve)
	$(CARGO) leptos serve

build: tools ## Debug build: target/debug/tagline and target/site
	$(call stage,cargo leptos build)
	$(CARGO) leptos build

build-release: tools-release ## Release build: target/release/tagline and target/site
	$(call stage,cargo leptos build --release)
	@echo "wasm-opt: $$(PATH='$(BINARYEN_BIN)':$$PATH command -v wasm-opt)"
	PATH='$(BINARYEN_BIN)':"$$PATH" $(CARGO) leptos build --release

# The release build with the benchmark's unauthenticated twin route
# (feature `bench`); only `make bench` uses it.
build-bench: tools-release
	$(call stage,cargo leptos build --release --bin-features ssr,bench)
	PATH='$(BINARYEN_BIN)':"$$PATH" $(CARGO) leptos build --release --bin-features ssr,bench

# --- checks ---------------------------------------------------------------------

test: tools-e2e redis lint unit compose-check e2e-run ## Everything CI runs: lint, unit (SQLite, PostgreSQL), compose check, e2e
	$(call stage,all tests passed)

lint: tools-rust fmt-check clippy clippy-wasm ## rustfmt check and clippy (server and wasm)

fmt: ## Format the code
	$(call stage,cargo fmt)
	$(CARGO) fmt --all

fmt-check:
	$(call stage,cargo fmt --check)
	$(CARGO) fmt --all -- --check

clippy:
	$(call stage,clippy (ssr, all targets))
	$(CARGO) clippy --features ssr --all-targets -- -D warnings

clippy-wasm:
	$(call stage,clippy (hydrate, wasm32))
	$(CARGO) clippy --lib --no-default-features --features hydrate --target wasm32-unknown-unknown -- -D warnings

unit: tools-rust redis unit-sqlite unit-postgres ## Cargo tests: SQLite, then PostgreSQL when it answers

unit-sqlite:
	$(call stage,cargo test (SQLite))
	$(CARGO) test --features ssr

unit-postgres:
	$(call stage,cargo test (PostgreSQL))
	@if command -v pg_isready >/dev/null; then \
	  probe() { pg_isready -q -t 3 -h '$(PG_HOST)' -p '$(PG_PORT)'; }; \
	else \
	  probe() { timeout 3 bash -c 'exec 3<>/dev/tcp/$(PG_HOST)/$(PG_PORT)' 2>/dev/null; }; \
	fi; \
	if probe; then \
	  echo "+ TAGLINE_TEST_DB=postgres $(CARGO) test --features ssr"; \
	  TAGLINE_TEST_DB=postgres $(CARGO) test --features ssr; \
	else \
	  echo 'SKIPPED: PostgreSQL does not answer at $(PG_HOST):$(PG_PORT); the PostgreSQL pass did not run'; \
	fi

# Validates docker-compose.yml where a compose client can do it without a
# Docker engine (Debian's docker-compose v1, or the v2 plugin). The admin
# password is required by the file, so a placeholder is passed for the check.
compose-check:
	$(call stage,docker-compose.yml check)
	@export TAGLINE_ADMIN_PASSWORD=compose-config-check; \
	if command -v docker-compose >/dev/null && docker-compose version >/dev/null 2>&1; then \
	  echo '+ docker-compose -f docker-compose.yml config -q'; \
	  docker-compose -f docker-compose.yml config -q; \
	elif command -v docker >/dev/null && docker compose version >/dev/null 2>&1; then \
	  echo '+ docker compose -f docker-compose.yml config -q'; \
	  docker compose -f docker-compose.yml config -q; \
	else \
	  echo 'SKIPPED: no docker-compose or docker compose client to validate docker-compose.yml'; \
	fi

e2e: tools-e2e redis e2e-run ## Build, start a fresh server and run the Playwright suite

e2e-run:
	$(call stage,end-to-end (Playwright))
	scripts/e2e.sh

# --- other ------------------------------------------------------------------------

bench: ## Run the benchmarks (bench/run.sh)
	$(call stage,bench)
	@if [[ -f bench/run.sh ]]; then bash bench/run.sh; else echo 'no benchmarks yet (bench/run.sh does not exist)'; fi

clean: ## Remove build output and test reports (keeps data/ and .env)
	$(call stage,clean)
	$(CARGO) clean
	rm -rf end2end/test-results end2end/playwright-report
