# The two commands: `make demo` and `make test`. Both set up .venv from the pins first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
PYTEST_ARGS ?=

.PHONY: setup demo test clean

setup: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check \
		-c constraints.txt -e '.[all,dev]'
	touch $(STAMP)

# The main job: the default bench.toml ([run]: device local, the pta set at 128x128,
# every runtime this machine has) -> results/run-local-TIME.csv + .png + the table.
demo: $(STAMP)
	$(BIN)/bench run --device local

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache
