# Two commands for a fresh machine: `make demo` and `make test`. `make lint` checks style;
# `make test-vllm` runs the vLLM backend tests in their own virtualenv (vllm-cpu).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
VLLM_VENV := .venv-vllm
VLLM_STAMP := $(VLLM_VENV)/.installed
# llama-cpp-python compiles llama.cpp from source (a few minutes on 2 cores, once per machine).
export CMAKE_BUILD_PARALLEL_LEVEL ?= $(shell nproc)
# Nothing is ever downloaded from a model or data set hub at run time.
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
# vllm-cpu on this kind of machine: all cores, 1 GiB of KV cache.
VLLM_ENV := VLLM_CPU_OMP_THREADS_BIND=0-$(shell expr $$(nproc) - 1) VLLM_CPU_NUM_OF_RESERVED_CPU=0 VLLM_CPU_KVCACHE_SPACE=1

.PHONY: setup setup-vllm setup-slurm demo test test-vllm lint clean

setup: $(STAMP)

# The lock files are complete environments, so they install with --no-deps.
$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet --no-deps -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(STAMP)

setup-vllm: $(VLLM_STAMP)

$(VLLM_STAMP): requirements-vllm.lock pyproject.toml
	$(PYTHON) -m venv $(VLLM_VENV)
	$(VLLM_VENV)/bin/pip install --quiet --upgrade pip
	$(VLLM_VENV)/bin/pip install --quiet --no-deps -r requirements-vllm.lock
	$(VLLM_VENV)/bin/pip install --quiet --no-deps -e .
	touch $(VLLM_STAMP)

# The SLURM tests start a real one-node cluster (Debian's slurmctld, slurmd, munge) themselves.
setup-slurm:
	bash tests/slurm/cluster.sh install

# The report step's own output goes to its log, so the run summary stays the last thing printed.
demo: setup
	$(BIN)/snakemake --profile profiles/local
	@$(BIN)/snakemake --profile profiles/local --report results/report.html > results/logs/report.log 2>&1 \
		|| { tail -n 30 results/logs/report.log; echo "error: the report failed; its log: results/logs/report.log"; exit 1; }
	@echo "Report: results/report.html (its log: results/logs/report.log)"

# Two pytest-xdist workers; tests sharing a workflow run share a worker (tests/conftest.py).
test: setup setup-slurm
	$(BIN)/pytest -n 2

test-vllm: setup-vllm
	$(VLLM_ENV) $(VLLM_VENV)/bin/pytest -p no:cacheprovider tests_vllm

lint: setup
	$(BIN)/snakemake --lint
	$(BIN)/snakefmt --check Snakefile workflow/rules
	$(BIN)/ruff check src workflow/scripts tests tests_vllm bench
	$(BIN)/ruff format --check src workflow/scripts tests tests_vllm bench

clean:
	rm -rf results/data results/logs results/report.html .snakemake
