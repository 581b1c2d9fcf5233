# winnow: common tasks. `make train` sets everything up on a fresh clone.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

YOUTUBE := ../shared/datasets/youtube-spam-collection

.PHONY: install train retrain serve evaluate test test-all fuzz bench scenarios lint format clean

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev,dask,service,report,fast]'
	touch $(STAMP)

train: install  ## train a model from training/config.toml into models/ and promote it
	$(BIN)/winnow train

retrain: install  ## train on the corpus + stored feedback; promote only if not worse
	$(BIN)/winnow retrain

evaluate: install  ## the harness: corpus CV; YouTube CV and leave-one-video-out when ../shared is there
	$(BIN)/winnow evaluate training/data/comments.jsonl --cv 10 --seeds 3 --obfuscation
	@if [ -d $(YOUTUBE) ]; then \
		$(BIN)/winnow evaluate $(YOUTUBE)/*.csv --cv 10 --seeds 3 && \
		$(BIN)/winnow evaluate $(YOUTUBE)/*.csv --cv 10 --seeds 3 --with-corpus && \
		$(BIN)/winnow evaluate $(YOUTUBE)/*.csv --by-source --with-corpus; \
	else echo "$(YOUTUBE) not found: YouTube evaluation skipped"; fi

serve: install  ## run the HTTP service (WINNOW_* settings; see README)
	$(BIN)/winnow serve

test: install  ## the test suite (slow benchmarks excluded)
	$(BIN)/pytest

test-all: install  ## the test suite and the slow benchmarks
	$(BIN)/pytest -m ''

fuzz: install  ## long fuzzing: schemathesis on the HTTP API and the property tests (under 10 minutes)
	HYPOTHESIS_PROFILE=fuzz $(BIN)/pytest -s tests/test_fuzz_api.py tests/test_properties.py

bench: install  ## every benchmark (under 15 minutes); writes benchmarks/RESULTS.md
	$(BIN)/python benchmarks/run_all.py

SCENARIOS := load postgres sqlite worker_crash corrupt_model

scenarios: install  ## reliability scenarios on loopback (under 10 minutes; root for the tmpfs)
	@failed=""; for name in $(SCENARIOS); do \
		echo "== benchmarks/scenario_$$name.py"; \
		$(BIN)/python benchmarks/scenario_$$name.py || failed="$$failed $$name"; \
	done; \
	if [ -n "$$failed" ]; then echo "scenarios failed:$$failed"; exit 1; fi; \
	echo "all scenarios passed"

lint: install
	$(BIN)/ruff check src tests training service benchmarks
	$(BIN)/ruff format --check src tests training service benchmarks

format: install
	$(BIN)/ruff check --fix src tests training service benchmarks
	$(BIN)/ruff format src tests training service benchmarks

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache src/*.egg-info
