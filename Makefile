# One command to run, one to test. Both create .venv and install what they need.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip
# Debian packages the test suite needs, installed only when missing.
APT_TEST_PACKAGES := postgresql redis-server chromium nginx

.PHONY: run demo test lint format bench clean install install-dev install-gpu apt-test

$(PY):
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.txt constraints.txt pyproject.toml | $(PY)
	$(PIP) install --quiet -r requirements.txt -c constraints.txt
	# Poser itself, editable, for the `poser` command (services/cli.py); its dependencies are pinned above.
	$(PIP) install --quiet --no-deps -e .
	touch $@

$(VENV)/.installed-dev: requirements-dev.txt $(VENV)/.installed
	$(PIP) install --quiet -r requirements-dev.txt -c constraints.txt
	touch $@

# The SAM2 tracker's extras: CPU torch from this machine's wheel cache, sam2 without its CUDA build.
$(VENV)/.installed-gpu: requirements-gpu.txt constraints-gpu.txt build-constraints-gpu.txt scripts/install-gpu-extras.sh $(VENV)/.installed
	scripts/install-gpu-extras.sh $(VENV)
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev
install-gpu: $(VENV)/.installed-gpu

apt-test:
	@scripts/ensure-apt-packages.sh $(APT_TEST_PACKAGES)

run: install
	scripts/run-local.sh

demo: install
	$(PY) -m poser_pipeline demo --out data/demo

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache

format: install-dev
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

test: install-dev install-gpu apt-test lint
	$(PY) -m pytest

bench: install-dev
	$(PY) benchmarks/pipeline_speed.py ../shared/clips/overlay.mp4

clean:
	rm -rf $(VENV) data .pytest_cache .ruff_cache
