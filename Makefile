# shiftbot — `make demo` to try it, `make test` to check it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test install lint typecheck imports pytest bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: install
	$(BIN)/shiftbot demo

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy

imports: install
	$(BIN)/lint-imports

pytest: install
	$(BIN)/pytest

test: lint typecheck imports pytest

bench: install
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	$(BIN)/python bench/cli.py
	$(BIN)/python bench/erlang.py
	$(BIN)/python bench/forecast.py
	$(BIN)/python bench/store.py
	$(BIN)/python bench/requests.py
	$(BIN)/python bench/parse.py
	$(BIN)/python bench/import.py
	$(BIN)/python bench/roster.py
	$(BIN)/python bench/digest.py
	$(BIN)/python bench/slack_load.py
	$(BIN)/python bench/telegram_load.py

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache .hypothesis
