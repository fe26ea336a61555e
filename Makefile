# Two commands on a fresh machine: `make run` and `make test`. Everything else is set-up.
PYTHON ?= python3.11
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 7860

# The offline environment (HF_HUB_OFFLINE and friends) is set in one place: the entry points
# and conftest.py call guide_assistant.settings.offline_environment().

.PHONY: setup index run test evals bench lint browser clean

$(STAMP): pyproject.toml constraints.txt
	@command -v $(PYTHON) >/dev/null || { echo "error: $(PYTHON) not found"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	# torch first, pinned: a bare torch would pull gigabytes of CUDA packages.
	$(VENV)/bin/pip install -q torch==2.13.0
	$(VENV)/bin/pip install -q -c constraints.txt -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

index: setup
	$(VENV)/bin/guide-assistant ingest

run: index
	$(PY) app.py --host $(HOST) --port $(PORT)

# Debian's chromium for the browser tests (never `playwright install`: it downloads).
browser:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	      || echo "warning: could not install chromium; browser tests will be skipped"; \
	  else echo "warning: /usr/bin/chromium missing and not root; browser tests will be skipped"; fi; \
	fi

test: setup browser
	$(VENV)/bin/mypy
	$(PY) -m pytest tests evals

evals: setup
	$(PY) -m pytest evals

bench: setup
	$(PY) benchmarks/bench_ingest.py
	$(PY) benchmarks/bench_retrieval.py
	$(PY) benchmarks/bench_ask.py

lint: setup
	$(VENV)/bin/ruff check src tests evals benchmarks app.py conftest.py
	$(VENV)/bin/ruff format --check src tests evals benchmarks app.py
	$(VENV)/bin/mypy

clean:
	rm -rf indexes/builds indexes/CURRENT evals/reports
