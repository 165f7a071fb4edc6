# Access Desk developer entry points. Works from a clean clone: `make test`.
VENV := .venv
PY   := $(VENV)/bin/python

.PHONY: venv test lint run bench clean package install-desktop docs
.DEFAULT_GOAL := venv

# The stamp makes `make venv` cheap: reinstall only when pyproject.toml changes.
venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $@

# Extra pytest arguments: make test PYTEST_ARGS='-k audit -x'
test:
	bash scripts/test.sh $(PYTEST_ARGS)

lint: venv
	$(VENV)/bin/ruff check . && $(VENV)/bin/mypy desktop

run:
	bash scripts/run.sh

# Each bench/*.py is a stand-alone script; nothing to do when there are none. A script that
# fails (a missed target exits 1) does not stop the others: the failures are named at the end.
# make bench QUICK=1: only the scripts that take --quick, with it (a reduced set).
bench: venv
	@failed=""; for f in bench/*.py; do \
	  [ -e "$$f" ] || { echo "bench: no bench/*.py"; break; }; \
	  if [ -n "$(QUICK)" ]; then \
	    grep -q -e '--quick' "$$f" || { echo "== $$f: no --quick, left out"; continue; }; \
	    echo "== $$f --quick"; $(PY) "$$f" --quick || failed="$$failed $$f"; \
	  else echo "== $$f"; $(PY) "$$f" || failed="$$failed $$f"; fi; \
	done; \
	if [ -n "$$failed" ]; then echo "bench: these failed or missed a target:$$failed"; exit 1; fi

clean:
	rm -rf build dist .pytest_cache .mypy_cache .ruff_cache .hypothesis
	find . -path ./$(VENV) -prune -o \( -name __pycache__ -o -name '*.egg-info' \) -type d -exec rm -rf {} +

# A one-folder bundle that runs without Python: dist/access-desk/access-desk (~10-30 s).
# PyInstaller goes into the venv only here, never into the test extras.
package: venv
	$(PY) -m pip install -q 'pyinstaller>=6.22,<7'
	$(VENV)/bin/pyinstaller --noconfirm --log-level WARN --distpath dist \
	  --workpath build/pyinstaller packaging/access-desk.spec
	@du -sh dist/access-desk

# The menu entry, AppStream metainfo and icons for this user (~/.local/share); uses the
# bundle when `make package` built one. Undo: packaging/install-desktop.sh --uninstall
install-desktop: venv
	bash packaging/install-desktop.sh

# The user guide's screenshots (a fresh demo directory), its command-line reference and the
# API reference's tables (docs/api.md).
docs: venv
	$(PY) docs/build.py
	$(PY) scripts/gen-api-doc.py

