# The front door. The dependency graph lives in src/publish/pipeline.py, not here.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
JOBS   ?=
PUBLISH_FLAGS := $(if $(JOBS),-j $(JOBS),)

# publish check's validators go to ~/.cache/publish/tools (src/publish/check/tools.py), shared by projects.
.PHONY: all html pdf epub docx serve check test bench lint clean distclean setup setup-dev test-tools golden bytecode citations-suite dask

all: setup bytecode
	$(BIN)/publish build $(PUBLISH_FLAGS)
	@echo "publish is $(abspath $(BIN))/publish; to type just 'publish', first run: . $(BIN)/activate"

html pdf epub docx: setup bytecode
	$(BIN)/publish build --format $@ $(PUBLISH_FLAGS)

# A live preview: build, serve build/ on http://127.0.0.1:8000/, rebuild and reload on every save.
# SERVE_FLAGS passes more, e.g. make serve SERVE_FLAGS="--brand riverside --open".
serve: setup bytecode
	$(BIN)/publish serve $(PUBLISH_FLAGS) $(SERVE_FLAGS)

# publish is installed editable, so pip compiled none of its modules; every build would compile them
# again (60 ms) wherever Python may not write bytecode itself (PYTHONDONTWRITEBYTECODE, read-only trees).
bytecode: setup
	$(BIN)/python -m compileall -q src/publish

# The venv and the package with its pinned dependencies; redone when the pins change.
setup: $(VENV)/.installed
$(VENV)/.installed: pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -c constraints.txt -e .
	touch $@

setup-dev: $(VENV)/.installed-dev
$(VENV)/.installed-dev: $(VENV)/.installed
	$(BIN)/python -m pip install -q -c constraints.txt -e '.[dev]'
	touch $@

# The optional Dask executor (publish build --scheduler tcp://HOST:PORT) and its pinned dependencies.
dask: $(VENV)/.installed-dask
$(VENV)/.installed-dask: $(VENV)/.installed
	$(BIN)/python -m pip install -q -c constraints.txt -e '.[dask]'
	touch $@

# Build what is stale, then check every output with the reference validators (EPUBCheck, Ace, axe-core, the Nu
# checker, the PDF and DOCX read back); installs them the first time. CHECK_FLAGS passes more, e.g. --strict.
check: setup bytecode
	$(BIN)/publish check $(PUBLISH_FLAGS) $(CHECK_FLAGS)

# Browsers, checkers and PDF tools the tests drive (tests/tools.sh says what and how).
test-tools: setup-dev dask
	bash tests/tools.sh

test: test-tools bytecode
	$(BIN)/ruff check src tests bench
	$(BIN)/python -m pytest $(PYTEST_FLAGS)

golden: setup-dev
	$(BIN)/python -m tests.golden.refresh

# Figures beside plain pandoc (bench/, not shipped in the package); see bench/__init__.py.
bench: setup-dev bytecode
	$(BIN)/python -m bench $(BENCH_FLAGS)

# The CSL processor test suite (../shared/csl-test-suite) through our citation layer and raw citeproc-py.
citations-suite: setup-dev
	$(BIN)/python tests/citations/csl_suite.py

lint: setup-dev
	$(BIN)/ruff check src tests bench

clean:
	rm -rf build

distclean: clean
	rm -rf $(VENV) tests/citations/node_modules
