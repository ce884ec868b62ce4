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
# every run recompiles the project's modules and pytest rewrites every test module again.
# __pycache__ is git-ignored.
unexport PYTHONDONTWRITEBYTECODE
# Where synth and review write (deploy, diff and destroy always read cdktf.out/).
OUT ?= cdktf.out
REVIEW_OUT ?= review.out
# Which environments deploy, diff and destroy act on (required there; one or several, comma-separated).
# synth, review and check narrow to them too; without ENV they take every environment, and synth
# and review then replace their folder whole, so it never holds a stale stack.
ENV ?=
export CDKTF_ENV := $(ENV)
# The cdktf CLI's spinner is noise in logs: it is off where there is no terminal. ($(shell)
# captures stdout, so the terminal test looks at stderr.)
export CI ?= $(if $(shell test -t 2 && echo tty),,true)
# No colour codes where there is no terminal or CI is set: the cdktf CLI (chalk, log4js) honours
# FORCE_COLOR=0, Terraform -no-color (through TF_CLI_ARGS_<command>).
CDKTF_COLOR :=
ifneq ($(CI),)
CDKTF_COLOR := --no-color
export FORCE_COLOR := 0
export NO_COLOR := 1
export TF_CLI_ARGS_init := -no-color
export TF_CLI_ARGS_plan := -no-color
export TF_CLI_ARGS_apply := -no-color
export TF_CLI_ARGS_show := -no-color
export TF_CLI_ARGS_output := -no-color
endif

.PHONY: help install synth review check test test-fast test-standard-import lint scan bench conformance deploy diff destroy clean \
	refresh-versions new-env schema check-plan

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-21s %s\n", $$1, $$2}'

$(PIPENV):
	@echo "Installing pipenv $(PIPENV_VERSION) into .tools/ ..."
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check pipenv==$(PIPENV_VERSION)

.venv/.synced: Pipfile.lock | $(PIPENV)
	@echo "Installing the locked Python packages into .venv/ (first run: about 1.5 minutes) ..."
	$(PIPENV) sync --dev
	touch $@

node_modules/.synced: package-lock.json
	@echo "Installing the locked Node packages (cdktf CLI, Node 22) into node_modules/ ..."
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

install: .venv/.synced node_modules/.synced ## Install the pinned Python and Node toolchains into the project

# synth and review write into <folder>.next and replace the folder only when that succeeded: bad
# settings (main.py validates every environment before it builds anything) or a failed synth leave
# the previous output as it was.
# With ENV, only those environments are synthesized and only their stacks replaced; the others'
# stay as an earlier synth wrote them, and synth names them (aks_platform/tools/synth_output.py).
synth: install ## Validate settings, write the stacks to cdktf.out/ (every environment, or ENV's: the rest kept and named)
	@rm -rf $(OUT).next
	CDKTF_OUTDIR=$(OUT).next python main.py
	@python -m aks_platform.tools.synth_output install $(OUT).next $(OUT) $(ENV)
	@echo "Terraform JSON written to:"
	@ls -1 $(OUT)/stacks/*/cdk.tf.json | sed 's/^/  /'

# terraform fmt formats the HCL as Terraform itself would (cdktf writes it unindented); where
# terraform is not installed the files stay as cdktf wrote them, and review says so.
review: install ## The same stacks as HCL in review.out/, formatted by terraform fmt (to read; deploy never reads it)
	@rm -rf $(REVIEW_OUT).next
	CDKTF_OUTDIR=$(REVIEW_OUT).next SYNTH_HCL_OUTPUT=true python main.py
	@if command -v terraform >/dev/null; then terraform fmt -recursive -list=false $(REVIEW_OUT).next; \
	  else echo "review: terraform is not installed, so the HCL is left as cdktf wrote it (unformatted)"; fi
	@python -m aks_platform.tools.synth_output install $(REVIEW_OUT).next $(REVIEW_OUT) $(ENV)
	@echo "HCL written to:"
	@ls -1 $(REVIEW_OUT)/stacks/*/cdk.tf | sed 's/^/  /'

check: install ## Validate the settings of every environment, or of ENV's, and print version warnings; write nothing
	python main.py --check

# docs/testing.md: the markers, what each target leaves out, and why.
PYTEST_ARGS ?=

test: install ## ruff, the settings check (prints version warnings), then every test (docs/testing.md)
	ruff check .
	python main.py --check
	pytest -m "not standard_import" $(PYTEST_ARGS)

test-fast: install ## The in-process tests, for the edit loop: leaves out the tests that run make, the cdktf CLI or checkov
	pytest -m "not subprocess" $(PYTEST_ARGS)

test-standard-import: install ## Every environment synthesized with the fast and the standard provider import: same bytes (CI runs it)
	pytest -m standard_import $(PYTEST_ARGS)

scan: synth ## checkov on each synthesized stack and on the Kubernetes objects it applies, against security/checkov-baseline/
	python -m aks_platform.tools.security_scan $(OUT)
	python -m aks_platform.tools.kubernetes_scan $(OUT)

conformance: synth ## AI conformance report per environment on its minor's checklist (conformance/<env>.md, draft YAML), then the 60-day look-ahead
	python -m aks_platform.tools.conformance $(OUT)
	python -m aks_platform.tools.look_ahead $(OUT)

bench: install ## Benchmark synth and the test suite against a plain cdktf+azurerm import; writes bench/results/
	python bench/run.py $(BENCH_ARGS)

refresh-versions: install ## Merge `az aks get-versions` / `az aks mesh get-revisions` for LOCATION into data/aks-versions.toml
	@test -n "$(LOCATION)" || { echo "make refresh-versions needs LOCATION=<region>, such as LOCATION=eastus2"; exit 2; }
	python -m aks_platform.tools.refresh_versions --location $(LOCATION)
	python -m aks_platform.tools.pool_zones --location $(LOCATION)

new-env: install ## New environment NAME from FROM: its settings file and security baseline, marked for review
	@test -n "$(NAME)" -a -n "$(FROM)" || { echo "make new-env needs NAME=<new environment> FROM=<existing one>"; exit 2; }
	python -m aks_platform.tools.new_env $(NAME) $(FROM)

schema: install ## environments/schema.json and the settings table of docs/settings.md, from the settings model (tested)
	python -m aks_platform.tools.settings_schema

lint: install ## ruff check
	ruff check .

# deploy and diff plan each stack with terraform in cdktf.out/stacks/<stack>/ (plan.tfplan, and
# plan.json for `make check-plan`) and refuse a plan that deletes or replaces a protected resource
# (ALLOW_REPLACE=1 lets it through); deploy then applies that stack with `cdktf deploy`, cluster
# stack first, so the workloads stack is planned against the cluster it runs on (docs/production.md).
deploy: install ## Needs ENV: preflight, version gate, synth, then per stack (cluster first) plan, check, cdktf deploy
	python -m aks_platform.tools.preflight deploy $(ENV)
	python main.py --check --deploy-gate
	@# The gate just printed the version warnings: synth does not print them again.
	AKS_NOTICES_SHOWN=1 $(MAKE) --no-print-directory synth
	for stack in $$(python -m aks_platform.tools.targets stacks $(ENV)); do \
	  python -m aks_platform.tools.plan_check plan $$stack; \
	  cdktf deploy --skip-synth --output cdktf.out --ignore-missing-stack-dependencies $(CDKTF_COLOR) $(CDKTF_FLAGS) $$stack; \
	done

diff: install ## Needs ENV: preflight, synth, then the Terraform plan of both stacks of each ENV, checked
	python -m aks_platform.tools.preflight diff $(ENV)
	$(MAKE) --no-print-directory synth
	for stack in $$(python -m aks_platform.tools.targets stacks $(ENV)); do \
	  python -m aks_platform.tools.plan_check diff $$stack; \
	done

check-plan: install ## Needs PLAN=<terraform show -json output>: refuse deleting or replacing a protected resource
	@test -n "$(PLAN)" || { echo "make check-plan needs PLAN=<file>: the output of terraform show -json <planfile>"; exit 2; }
	python -m aks_platform.tools.plan_check check $(PLAN)

destroy: install ## Needs ENV: preflight, synth, then destroy both stacks of each ENV (workloads first)
	python -m aks_platform.tools.preflight destroy $(ENV)
	$(MAKE) --no-print-directory synth
	cdktf destroy --skip-synth --output cdktf.out $(CDKTF_COLOR) $$(python -m aks_platform.tools.targets stacks $(ENV))

clean: ## Remove synthesized output and reports (keeps installed toolchains)
	rm -rf cdktf.out cdktf.out.next review.out review.out.next conformance
