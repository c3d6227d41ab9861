# Two commands set everything up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: run test lint typecheck bench ab seed soak package screenshots mutants clean

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@rm -f $(VENV)/.installed-*
	@touch $@

## run: open the app on the local SQLite database (offers demo data when empty); on Linux
## it first installs the X11 libraries Qt's window-system plugin needs, if any are missing
run: $(STAMP)
	$(PY) packaging/linux/qt_platform_deps.py
	$(PY) -m mechanic_desktop $(ARGS)

## test: lint, type-check and run the whole suite (SQLite and PostgreSQL)
test: $(STAMP)
	$(VENV)/bin/ruff check mechanic_desktop tests benchmarks alembic packaging
	$(VENV)/bin/mypy
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check mechanic_desktop tests benchmarks alembic packaging

typecheck: $(STAMP)
	$(VENV)/bin/mypy

## bench: seed a large database once (cached) and print speed and memory figures
bench: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) -m benchmarks $(ARGS)

## ab: the bench's searches timed on REV and on the working tree, alternated call by
## call in one process (after make bench; e.g. make ab REV=HEAD~1 ARGS="--backend postgresql")
ab: $(STAMP)
	$(PY) -m benchmarks.ab $(REV) $(ARGS)

## soak: the long crash (50 SIGKILLs) and concurrency (8 desks x 60 s) runs
soak: $(STAMP)
	MECHANIC_SOAK=full QT_QPA_PLATFORM=offscreen $(PY) -m pytest -s tests/unit/test_crash_and_soak.py

## package: build the one-folder app for this OS into dist/ (see build.spec)
package: $(STAMP)
	$(VENV)/bin/pyinstaller --noconfirm build.spec

## screenshots: render every page and dialog with demo data to docs/screenshots/
screenshots: $(STAMP)
	MD_SHOTS_DIR=$(CURDIR)/docs/screenshots QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q \
		-p no:cacheprovider -k render tests/ui

## mutants: mutation testing of domain/ and services/ with their unit tests on SQLite; prints
## the score per module (about 19 minutes on an idle machine here, see docs/mutation.md: not
## part of test or CI). MUTANTS='mechanic_desktop.services.auth.*'
## tests only the mutants whose names match. Runs niced: the machine is shared.
mutants: $(STAMP)
	$(PY) -m pip install --quiet 'mutmut>=3.8,<4'
	@# Always from scratch: mutmut 3.8 reusing a mutants/ folder drops its test map and
	@# reports every mutant as "no tests".
	rm -rf mutants
	@echo "started $$(date -u +%T) UTC, load average $$(cut -d' ' -f1-3 /proc/loadavg)" | tee mutants.log
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" QT_QPA_PLATFORM=offscreen nice -n 10 \
		$(PY) -m tests.mutmut_cli run $(MUTANTS) >> mutants.log 2>&1 \
		|| { tail -n 40 mutants.log; exit 1; }
	@echo "finished $$(date -u +%T) UTC, load average $$(cut -d' ' -f1-3 /proc/loadavg)" | tee -a mutants.log
	$(PY) -m tests.mutation_score

## seed: fill the local database with demo data
seed: $(STAMP)
	$(PY) -m mechanic_desktop seed $(ARGS)

clean:
	rm -rf $(VENV) build dist .pytest_cache .mypy_cache .ruff_cache mutants mutants.log
