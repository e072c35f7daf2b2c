# One-command set-up: `make run` and `make test` create .venv (Python 3.10)
# and install the project with its pinned dependencies when needed.
PYTHON ?= python3.10
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: run test install clean

install: $(STAMP)

$(STAMP): setup.py constraints.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -c 'import sys; assert sys.version_info[:2] == (3, 10), \
	  f"TFX 1.16 needs Python 3.10, .venv has {sys.version.split()[0]}; rm -rf .venv and set PYTHON=python3.10"'
	$(PY) -m pip install --quiet pip==26.3 setuptools==84.2.1 wheel==0.48.0
	$(PY) -m pip install --quiet -e ".[test]" -c constraints.txt
	@touch $(STAMP)

run: $(STAMP)
	$(PY) -m pipeline run

# Two pytest processes side by side (the machine's 2 cores): the standalone
# tests (forks, kill/resume, MySQL, PortableRunner) and the rest; the
# standalone log is printed when both are done.
test: $(STAMP)
	@tmp=$$(mktemp -d -t model-factory-tests-XXXX); \
	  $(PY) -m pytest tests -m standalone --basetemp=$$tmp/standalone > $$tmp/standalone.log 2>&1 & \
	  standalone=$$!; \
	  $(PY) -m pytest tests -m "not standalone" --basetemp=$$tmp/shared; shared=$$?; \
	  wait $$standalone; alone=$$?; \
	  echo "=== standalone tests (pytest -m standalone, log $$tmp/standalone.log) ==="; \
	  cat $$tmp/standalone.log; exit $$(( shared || alone ))

clean:
	rm -rf output
