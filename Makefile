# megapix: every command a user or CI needs. `make test` is what CI runs (.ci/run).
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.megapix-installed
DOCS_STAMP := $(VENV)/.megapix-docs-installed
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
FASHION := $(or $(MEGAPIX_DEBIAN_DATA),/usr/share/datasets/fashion-mnist)/t10k-images-idx3-ubyte.gz
# Chapter 6's photographs: Debian's wallpaper packages (the folders of megapix.megapixel.DEBIAN_PHOTOS), 140 MB
PHOTO_PACKAGES := mate-backgrounds plasma-workspace-wallpapers
PHOTOS := /usr/share/backgrounds/mate/nature /usr/share/wallpapers/EveningGlow
# apt-get where it runs without a password prompt (root, or sudo -n); elsewhere (macOS, WSL, Linux without root) data and browser do without it
APT := $(shell command -v apt-get >/dev/null && { [ "$$(id -u)" = 0 ] || sudo -n true 2>/dev/null; } && echo apt-get)

.PHONY: help setup data demo test test-fast sync lab readme outputs docs browser clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

$(STAMP): requirements-dev.txt settings.ini setup.py
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements-dev.txt
	$(BIN)/pip install -q -e .
	@touch $@

setup: $(STAMP) data  ## virtual environment in .venv with torch, the library and the dev tools, plus FashionMNIST (and Chapter 6's photographs where apt-get works)

data:  ## FashionMNIST: Debian's package where apt-get works, else torchvision's download into ~/.cache/megapix/fashion-mnist; where apt-get works, Chapter 6's photographs too (nothing when found)
	@if [ -n "$(APT)" ] && [ -z "$$MEGAPIX_DATA" ] && [ ! -f $(FASHION) ]; then \
	  echo "installing Debian's dataset-fashion-mnist"; \
	  $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq dataset-fashion-mnist \
	    || echo "apt-get could not install dataset-fashion-mnist: downloading it instead"; fi
	@for d in $(PHOTOS); do [ -d $$d ] || missing=1; done; \
	if [ -n "$(APT)" ] && [ -n "$$missing" ]; then \
	  echo "installing Debian's $(PHOTO_PACKAGES) (Chapter 6's photographs, 140 MB)"; \
	  $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq --no-install-recommends $(PHOTO_PACKAGES); fi
	@test -x $(BIN)/python || $(MAKE) -s $(STAMP)
	@$(BIN)/python -m megapix.data

demo: setup  ## sample from every shipped model into demo/*.png and print timings
	$(BIN)/megapix demo --out demo

sync: $(STAMP)  ## fail if nbdev_export or nbdev_clean would change a tracked file
	@before=$$(git diff -- megapix nbs | sha1sum); \
	$(BIN)/nbdev_export && $(BIN)/nbdev_clean; \
	after=$$(git diff -- megapix nbs | sha1sum); \
	if [ "$$before" != "$$after" ]; then git status --short -- megapix nbs; \
	  echo "nbdev_export/nbdev_clean changed the files above: run them and commit"; exit 1; fi

test: setup sync docs browser  ## everything CI runs: all notebooks (slow cells too), the docs site and all pytest tests
	OMP_NUM_THREADS=1 $(BIN)/nbdev_test --flags slow --n_workers 2 --timing
	$(BIN)/pytest -q tests

test-fast: setup  ## a few minutes: notebooks without slow cells, pytest without slow tests
	OMP_NUM_THREADS=1 $(BIN)/nbdev_test --n_workers 2
	$(BIN)/pytest -q -m "not slow" tests

lab: setup  ## JupyterLab on the notebooks
	$(BIN)/jupyter lab --ip 127.0.0.1 --notebook-dir nbs

readme: $(STAMP)  ## README.md from nbs/index.ipynb (nbdev_readme needs Quarto, which these machines lack)
	$(BIN)/jupyter nbconvert --execute --to markdown nbs/index.ipynb --output-dir . --output README --log-level WARN

$(DOCS_STAMP): requirements-docs.txt $(STAMP)
	$(BIN)/pip install -q -r requirements-docs.txt
	@touch $@

docs: $(DOCS_STAMP)  ## the course website in _site/ from the notebooks' saved outputs (Sphinx + myst-nb, offline)
	$(BIN)/python tools/build_docs.py

browser:  ## Debian's chromium for the browser tests (Playwright drives it; never `playwright install`); without apt-get they skip
	@if [ ! -x /usr/bin/chromium ] && [ -n "$(APT)" ]; then \
	  echo "installing Debian's chromium"; \
	  $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium; \
	elif [ ! -x /usr/bin/chromium ]; then echo "no apt-get here: the browser tests need Debian's chromium package and skip without it"; fi

clean:  ## remove the virtual environment, caches and the built site
	rm -rf $(VENV) .pytest_cache _proc _docs _site screenshots

outputs: $(STAMP)  ## run notebooks (as nbdev_test --flags slow does) and keep their figures for the docs: make outputs NBS=nbs/10_ddpm.ipynb
	$(BIN)/python tools/execute_notebooks.py $(or $(NBS),$(wildcard nbs/[0-9]*.ipynb) nbs/index.ipynb)
	$(BIN)/nbdev_export
	$(BIN)/nbdev_clean
