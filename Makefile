# The two commands of the README: `make demo` and `make test`. Each creates .venv when missing.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export TI_SKIP_VERSION_CHECK := ON
export PYOPENGL_PLATFORM ?= egl
export MPLBACKEND := Agg

.PHONY: demo test test-all lint bench clean venv

venv: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	# torch is pinned to 2.13.0 so pip takes the CPU wheel lying on this machine's disk.
	$(PY) -m pip install -q -e ".[dev,rl,ray,rllib]"
	touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/wildfire-gym demo --out out/demo

test: $(STAMP)
	$(VENV)/bin/ruff check wildfire_gym tests benchmarks examples
	$(PY) -m pytest -q -n 2 --dist loadfile

test-all: $(STAMP)
	$(PY) -m pytest -q -n 2 --dist loadfile -m ""

lint: $(STAMP)
	$(VENV)/bin/ruff check wildfire_gym tests benchmarks examples

clean:
	rm -rf out .pytest_cache
