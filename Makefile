# viam.cloud: build and test harness.
#
# Two virtualenvs, each bootstrapped by its own target (stamp: VENV/.installed,
# rebuilt when a requirements file changes):
#   .venv         Python 3.12, ansible-core 2.21, protobuf 6.33.5 (viam-sdk's pin)
#   .venv-compat  Python 3.11, ansible-core 2.19, the newest protobuf 7.x
# ansible-test needs the collection at .../ansible_collections/viam/cloud, so
# every test step runs in a copy: build/<leg>/ansible_collections/viam/cloud
# (hack/sync-build.py; leg = main, compat, main-units, main-1 ...: one per step that
# `make test` may run at the same time as another, since a sync prunes what a step wrote).
#
# `make test` = every suite (tests/README.md), some at the same time (hack/run-steps.sh), with a summary.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
# Within one make the targets run one by one; `make test` runs several makes at once (hack/run-steps.sh),
# each on build copies of its own (build/main, build/compat, build/main-N for integration shards...).
.NOTPARALLEL:

VENV        ?= .venv
VENV_COMPAT ?= .venv-compat
PY          := $(VENV)/bin/python
PY_COMPAT   := $(VENV_COMPAT)/bin/python
# Python X.Y of each leg (ansible-core 2.20+ needs 3.12; 2.19 runs on 3.11).
PYVER        ?= 3.12
PYVER_COMPAT ?= 3.11

# Extra arguments, e.g. make sanity SANITY_ARGS='--test pep8', make integration-main
# INTEGRATION_ARGS=viam_location (one shard with exactly those arguments), make units PYTEST_ARGS='-k inventory'
SANITY_ARGS      ?=
INTEGRATION_ARGS ?=
PYTEST_ARGS      ?=
EMULATOR_ARGS    ?=
TARGET           ?= emulator
# Integration shards (parallel ansible-test runs, each with its own emulator and build copy) when
# INTEGRATION_ARGS is empty; empty = the number of CPUs (at most 4). Reliability suite processes
# (pytest-xdist, whole files per process; empty or 0 = one).
INTEGRATION_SHARDS  ?=
RELIABILITY_WORKERS ?=

STAMP        := $(VENV)/.installed
STAMP_COMPAT := $(VENV_COMPAT)/.installed

.PHONY: help venv venv-compat proto sanity sanity-main sanity-compat sanity-ignores \
        units units-main units-compat conformance integration integration-main \
        integration-compat lint emulator demo test clean distclean \
        reliability reliability-pessimistic integration-compat-pessimistic probe-cloud test-behaviours galaxy-import e2e docs docs-lint awx-check

help:
	@echo "make venv          create/update $(VENV) (Python $(PYVER), ansible-core 2.21, requirements-dev.txt)"
	@echo "make venv-compat   create/update $(VENV_COMPAT) (Python $(PYVER_COMPAT), ansible-core 2.19, protobuf 7.x)"
	@echo "make proto         regenerate plugins/module_utils/proto from proto/ (grpcio-tools 1.81.1)"
	@echo "make sanity        ansible-test sanity on 2.21/py$(PYVER) and 2.19/py$(PYVER_COMPAT)"
	@echo "make sanity-ignores  regenerate the *_pb2.py lines of tests/sanity/ignore-*.txt"
	@echo "make units         pytest tests/unit in both venvs"
	@echo "make conformance   pytest tests/conformance in $(VENV) (viam-sdk)"
	@echo "make integration   ansible-test integration against a fresh emulator, both venvs"
	@echo "make lint          ansible-lint (production profile)"
	@echo "make reliability   faults, races, TLS, authorization, bad input (docs/reliability.md; EMULATOR_ARGS=...)"
	@echo "make test-behaviours  integration targets under each emulator behaviour value alone (long)"
	@echo "make galaxy-import build the tarball and run galaxy-importer on it (as Galaxy does on upload)"
	@echo "make probe-cloud   measure the real Viam app against the emulator's switches (CONFIRM=yes; one probe location)"
	@echo "make e2e           inventory -> SSH -> machine role against a loopback sshd robot"
	@echo "make docs          render the docs site into build/docs/html (docs-lint: check the module docs)"
	@echo "make awx-check     ansible-builder create of meta/execution-environment.yml, AWX examples syntax"
	@echo "make emulator      run the emulator in the foreground (EMULATOR_ARGS=...)"
	@echo "make bench         every benchmark in one run, one table of ratios (docs/performance.md)"
	@echo "make demo          provision the example fleet twice on the local emulator (TARGET=cloud: the real app)"
	@echo "make test          every suite (tests/README.md), several at once, with a timing summary"
	@echo "make clean         remove build/, test output and caches (distclean: the venvs too)"

# --- virtualenvs -------------------------------------------------------------

venv: $(STAMP)
venv-compat: $(STAMP_COMPAT)

$(STAMP): requirements.txt requirements-dev.txt hack/mkvenv.sh hack/find-python.sh
	hack/mkvenv.sh $(VENV) $(PYVER) requirements-dev.txt

$(STAMP_COMPAT): requirements.txt requirements-compat.txt hack/mkvenv.sh hack/find-python.sh
	hack/mkvenv.sh $(VENV_COMPAT) $(PYVER_COMPAT) requirements-compat.txt

# --- code generation ---------------------------------------------------------

proto: $(STAMP)
	$(PY) proto/generate.py

sanity-ignores: $(STAMP) $(STAMP_COMPAT)
	hack/sanity-ignores.sh

# --- tests -------------------------------------------------------------------

sanity: sanity-main sanity-compat

sanity-main: $(STAMP)
	hack/in-build.sh main $(VENV) ansible-test sanity --python $(PYVER) --color yes $(SANITY_ARGS)

# The compat leg checks, under the oldest ansible-core and Python we support, what a user installs and
# runs: plugins, roles, meta, docs, changelog, examples, and the emulator and device double they can run
# in their own CI. Our own suites (tests/unit, reliability, conformance, integration drivers) and hack/,
# bench/ (not shipped) are checked under sanity-main; the suites also run on the compat venv (units-compat,
# integration-compat). SANITY_COMPAT_TARGETS= (empty) checks everything.
SANITY_COMPAT_TARGETS ?= plugins/ roles/ meta/ changelogs/ docs/ examples/ galaxy.yml tests/emulator/ tests/device/

sanity-compat: $(STAMP_COMPAT)
	hack/in-build.sh compat $(VENV_COMPAT) ansible-test sanity --python $(PYVER_COMPAT) --color yes $(SANITY_ARGS) \
		$(SANITY_COMPAT_TARGETS)

units: units-main units-compat

units-main: $(STAMP)
	hack/pytest.sh main-units $(VENV) tests/unit $(PYTEST_ARGS)

units-compat: $(STAMP_COMPAT)
	hack/pytest.sh compat-units $(VENV_COMPAT) tests/unit $(PYTEST_ARGS)

conformance: $(STAMP)
	hack/pytest.sh main-conformance $(VENV) tests/conformance $(PYTEST_ARGS)

integration: integration-main integration-compat

integration-main: $(STAMP)
	EMULATOR_ARGS='$(EMULATOR_ARGS)' INTEGRATION_SHARDS='$(INTEGRATION_SHARDS)' \
		hack/integration.sh main $(VENV) $(PYVER) --color yes $(INTEGRATION_ARGS)

integration-compat: $(STAMP) $(STAMP_COMPAT)
	EMULATOR_ARGS='$(EMULATOR_ARGS)' INTEGRATION_SHARDS='$(INTEGRATION_SHARDS)' \
		hack/integration.sh compat $(VENV_COMPAT) $(PYVER_COMPAT) --color yes $(INTEGRATION_ARGS)

lint: $(STAMP)
	hack/in-build.sh main-lint $(VENV) ansible-lint --profile production

# Faults, races, TLS, authorization, bad input (tests/reliability, docs/reliability.md).
reliability: $(STAMP)
	EMULATOR_ARGS='$(EMULATOR_ARGS)' PYTEST_WORKERS='$(RELIABILITY_WORKERS)' hack/pytest.sh main-reliability $(VENV) tests/reliability $(PYTEST_ARGS)

# The emulator legs of make test (docs/api-assumptions.md §7): the integration targets under the
# emulator's default behaviours (integration-main) and under the least convenient plausible ones
# (integration-compat), the reliability suite under the least convenient ones.
PESSIMISTIC := --behaviours pessimistic

reliability-pessimistic: $(STAMP)
	EMULATOR_ARGS='$(PESSIMISTIC)' PYTEST_WORKERS='$(RELIABILITY_WORKERS)' hack/pytest.sh main-reliability $(VENV) tests/reliability $(PYTEST_ARGS)

integration-compat-pessimistic: $(STAMP) $(STAMP_COMPAT)
	EMULATOR_ARGS='$(PESSIMISTIC)' INTEGRATION_SHARDS='$(INTEGRATION_SHARDS)' \
		hack/integration.sh compat $(VENV_COMPAT) $(PYVER_COMPAT) --color yes $(INTEGRATION_ARGS)

# inventory -> SSH -> viam.cloud.machine role -> cloud config on a loopback "robot".
e2e: $(STAMP)
	VENV='$(VENV)' hack/e2e.sh

# The docs site (antsibull-docs) into build/docs/html; docs-lint checks the module docs.
docs: $(STAMP)
	VENV='$(VENV)' hack/docs.sh build

docs-lint: $(STAMP)
	VENV='$(VENV)' hack/docs.sh lint

# meta/execution-environment.yml through `ansible-builder create`; examples/awx_setup.yml syntax.
awx-check: $(STAMP)
	VENV='$(VENV)' hack/awx-check.sh

emulator: $(STAMP)
	tests/emulator/viam-app-emulator $(EMULATOR_ARGS)

# The main job: examples/provision_fleet.yml twice against the local emulator
# (TARGET=cloud: against the real Viam app, credentials from VIAM_* only then).
demo: $(STAMP)
	TARGET='$(TARGET)' VENV='$(VENV)' hack/demo.sh

# make test: the two venvs together (required: nothing runs without them), then every suite in one
# pool of TEST_JOBS makes at once, started longest first (hack/run-steps.sh --jobs), each integration
# leg in TEST_INTEGRATION_SHARDS shards, the reliability suite (the longest single step: ~450 s of
# CPU) in TEST_RELIABILITY_WORKERS processes.
# The table at the end gives each step's own time and the steps it ran with (tests/README.md).
# Five at once on 2 CPUs: units, sanity (pip, venvs) and e2e wait more than they compute, and
# the four integration shards keep both CPUs busy meanwhile.
TEST_JOBS                ?= 5
TEST_INTEGRATION_SHARDS  ?= 2
TEST_RELIABILITY_WORKERS ?= 2
TEST_STEPS := integration-main,integration-compat-pessimistic,reliability-pessimistic,sanity-compat,sanity-main,$\
	units-main,units-compat,e2e,lint,bench-smoke,awx-check,docs-lint,conformance,galaxy-import

test:
	@MAKE='$(MAKE)' INTEGRATION_SHARDS='$(TEST_INTEGRATION_SHARDS)' RELIABILITY_WORKERS='$(TEST_RELIABILITY_WORKERS)' \
		hack/run-steps.sh --jobs $(TEST_JOBS) +venv,venv-compat $(TEST_STEPS)

# What Galaxy and Automation Hub run on an upload: galaxy-importer (ansible-doc, ansible-lint --profile
# production) on the tarball `ansible-galaxy collection build` makes; its own venv .venv-galaxy
# (requirements-galaxy.txt). Output: build/galaxy-dist/.
galaxy-import:
	hack/galaxy-import.sh

# Every emulator behaviour value alone, one integration run each (long: not in make test; figures in
# docs/reliability.md). BEHAVIOURS='key=value ...' picks values, INTEGRATION_ARGS targets.
test-behaviours: $(STAMP)
	BEHAVIOURS='$(BEHAVIOURS)' hack/test-behaviours.sh $(VENV) $(PYVER) $(INTEGRATION_ARGS)

# Measure the real Viam app against the emulator's behaviour switches (docs/api-assumptions.md §7).
# Needs VIAM_API_KEY_ID, VIAM_API_KEY, VIAM_ORG_ID (optional VIAM_APP_URL) and CONFIRM=yes; works in one
# location it creates and deletes. Tested against the emulator under every value in tests/reliability.
PROBE_ARGS ?=
probe-cloud: $(STAMP)
	hack/in-build.sh main $(VENV) python hack/probe_cloud.py --json build/probe-cloud.json $(PROBE_ARGS)

# --- housekeeping ------------------------------------------------------------

clean:
	rm -rf build tests/output .ansible .pytest_cache .hypothesis viam-cloud-*.tar.gz
	find . -path ./.venv -prune -o -path ./.venv-compat -prune -o -path ./.venv-docs -prune -o -path ./.git -prune -o \
		-name __pycache__ -type d -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV) $(VENV_COMPAT) .venv-docs .venv-galaxy

# --- benchmarks --------------------------------------------------------------

.PHONY: bench bench-inventory bench-smoke bench-overhead bench-provision

# Every benchmark in one run, then one table of ratios (build/bench/*.json -> bench/summary.py).
bench: $(STAMP)
	rm -rf build/bench
	$(MAKE) --no-print-directory bench-overhead bench-provision bench-inventory
	$(PY) bench/summary.py build/bench

# A tiny run of every benchmark, so that none of them rots (part of make test; no timing asserted).
bench-smoke: $(STAMP)
	hack/in-build.sh main-bench $(VENV) python bench/overhead/run.py --smoke --out "$(CURDIR)/build/bench-smoke"
	hack/in-build.sh main-bench $(VENV) python bench/provision/run.py --smoke --out "$(CURDIR)/build/bench-smoke"
	hack/in-build.sh main-bench $(VENV) python bench/inventory/run.py --smoke --out "$(CURDIR)/build/bench-smoke"
	$(PY) bench/summary.py build/bench-smoke

bench-overhead: $(STAMP)
	hack/in-build.sh main $(VENV) python bench/overhead/run.py --out "$(CURDIR)/build/bench" $(BENCH_ARGS)

bench-provision: $(STAMP)
	hack/in-build.sh main $(VENV) python bench/provision/run.py --out "$(CURDIR)/build/bench" $(BENCH_ARGS)

# The inventory plugin against its floor and the naive viam-sdk loop (docs/performance.md).
# BENCH_ARGS: e.g. '--runs 3 --large none'.
BENCH_ARGS ?=
bench-inventory: $(STAMP)
	hack/in-build.sh main $(VENV) python bench/inventory/run.py --out "$(CURDIR)/build/bench" $(BENCH_ARGS)
