# Every target installs what it is missing into the project (.tools, .venv, node_modules),
# then runs with node_modules/.bin first on PATH so the cdktf CLI and the jsii runtime both
# run on the Node 22 that package.json pins, not on whatever node the machine has.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
PIPENV_VERSION := 2026.10.3
PIPENV := .tools/bin/pipenv

export PATH := $(CURDIR)/node_modules/.bin:$(CURDIR)/.venv/bin:$(PATH)
export PIPENV_VENV_IN_PROJECT := 1
export PIPENV_VERBOSITY := -1
export PIPENV_NOSPIN := 1
# No telemetry or update checks: nothing here may call out beyond the package registries.
export CHECKPOINT_DISABLE := 1
export DISABLE_VERSION_CHECK := 1
# Keep Python's bytecode cache on even where the machine turns it off globally: without it
# every run recompiles the project's modules and pytest rewrites every test module again
# (about 1.5 s of the in-process suite here). __pycache__ is git-ignored.
unexport PYTHONDONTWRITEBYTECODE
# Which environments to synthesize: empty means every file in environments/.
ENV ?=
export CDKTF_ENV := $(ENV)

.PHONY: help install synth test lint scan bench conformance deploy diff clean refresh-versions

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-17s %s\n", $$1, $$2}'

$(PIPENV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check pipenv==$(PIPENV_VERSION)

.venv/.synced: Pipfile.lock | $(PIPENV)
	$(PIPENV) sync --dev
	touch $@

node_modules/.synced: package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

install: .venv/.synced node_modules/.synced ## Install the pinned Python and Node toolchains into the project

synth: install ## Validate settings, then synthesize every environment (ENV=name for one) with the cdktf CLI
	python main.py --check
	cdktf synth --output cdktf.out
	@echo "Terraform JSON written to:"
	@ls -1 cdktf.out/stacks/*/cdk.tf.json | sed 's/^/  /'

test: install ## ruff, the settings check (prints version warnings), then the test suite
	ruff check .
	python main.py --check
	pytest

scan: synth ## checkov's report on each synthesized stack, then the comparison with security/checkov-baseline/
	python -m aks_platform.security_scan cdktf.out

conformance: synth ## AI conformance report per environment, from the synthesized JSON (writes conformance/<env>.md)
	python -m aks_platform.conformance cdktf.out

bench: install ## Benchmark synth against a plain cdktf+azurerm import; writes bench/results/<date>.json
	python bench/run.py $(BENCH_ARGS)

refresh-versions: install ## Merge `az aks get-versions` / `az aks mesh get-revisions` for LOCATION into data/aks-versions.toml
	@test -n "$(LOCATION)" || { echo "make refresh-versions needs LOCATION=<region>, such as LOCATION=eastus2"; exit 2; }
	python -m aks_platform.refresh_versions --location $(LOCATION)

lint: install ## ruff check
	ruff check .

deploy: install ## Apply cluster then workloads stack; refuses retired versions unless ALLOW_RETIRED=1
	python main.py --check --deploy-gate
	$(MAKE) --no-print-directory synth
	cdktf deploy --output cdktf.out $(if $(ENV),'ai-conformant-aks-$(ENV)*','*')

diff: synth ## Show the Terraform plan of each stack (needs az login)
	cdktf diff --output cdktf.out $(if $(ENV),'ai-conformant-aks-$(ENV)',)

clean: ## Remove synthesized output (keeps installed toolchains)
	rm -rf cdktf.out
