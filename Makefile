# Two commands on a fresh machine with Python 3.11+:  make run  /  make test
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP_RUN := $(VENV)/.installed-run
STAMP_TEST := $(VENV)/.installed-test

.PHONY: run test lint bench check clean python-ok browser screenshots mutation mutation-clean

# Decided when make starts, before anything is installed: a .venv made by another
# Python (an older one that failed, say) is removed here and rebuilt below.
ifeq ($(filter clean,$(MAKECMDGOALS)),)
PYTHON_STATE := $(shell sh scripts/venv-python.sh "$(PYTHON)" "$(VENV)")
endif

python-ok:
	@state='$(PYTHON_STATE)'; case "$$state" in \
	  error:*) echo "$${state#error: }" >&2; exit 1 ;; \
	  rebuilt:*) echo "$${state#rebuilt: }" ;; \
	esac

$(BIN)/python: | python-ok
	@$(PYTHON) -m venv $(VENV) || { rm -rf $(VENV); echo "$(PYTHON) cannot create a \
	virtualenv: install python3-venv (Debian/Ubuntu: sudo apt install python3-venv), then \
	run make run again" >&2; exit 1; }
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP_RUN): pyproject.toml | python-ok $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(STAMP_TEST): pyproject.toml | python-ok $(BIN)/python
	$(BIN)/pip install --quiet -e ".[test]"
	touch $@ $(STAMP_RUN)

## make run: the Telegram bot when TELEGRAM_BOT_TOKEN is set, else the console chat
run: $(STAMP_RUN)
	@if [ -n "$$TELEGRAM_BOT_TOKEN" ]; then $(BIN)/vigie run; else $(BIN)/vigie chat; fi

## make test: lint, types, content check and the whole test suite
test: $(STAMP_TEST) browser
	$(BIN)/ruff check bot tests benchmarks
	$(BIN)/mypy
	$(BIN)/vigie content check
	PTB_TIMEDELTA=true $(BIN)/python -m pytest -q -rs

## make browser: headless Chromium for the web console's browser tests (installed when root with apt)
browser:
	@if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get update -qq && apt-get install -y -qq chromium chromium-driver >/dev/null; \
	else \
		echo "The web console's browser tests need Chromium: install the packages chromium and chromium-driver (apt-get install chromium chromium-driver); until then they are skipped, and listed as skipped."; \
	fi

## make screenshots: the console's pages, in docs/console/ (shown in the README)
screenshots: $(STAMP_TEST) browser
	VIGIE_SCREENSHOTS=docs/console PTB_TIMEDELTA=true $(BIN)/python -m pytest -q tests/test_web_browser.py

lint: $(STAMP_TEST)
	$(BIN)/ruff check bot tests benchmarks
	$(BIN)/mypy

## make bench: every benchmark; results in benchmarks/results/
bench: $(STAMP_TEST)
	$(BIN)/pip install --quiet -e ".[bench]"
	PTB_TIMEDELTA=true $(BIN)/python -m benchmarks.run

## make mutation: mutmut on privacy, flood and admin checks, broadcast, flow rules, storage
## (not in CI; long: MUTATION_SECONDS caps a run, the next run resumes where it stopped;
## MUTATION_RECHECK=1 checks the survivors again after new tests; make mutation-clean starts
## afresh, and is needed after changing [tool.mutmut] in pyproject.toml, which resets verdicts)
MUTATION_SECONDS ?= 1800
MUTANTS := "bot.privacy.*" "bot.service.x*FloodGuard*" "bot.service.x*Vigie*is_admin*" \
	"bot.service.x*Vigie*_is_admin_event*" "bot.service.x*Vigie*handle*" \
	"bot.broadcast.sender.*" "bot.broadcast.limiter.*" "bot.broadcast.queue.*" \
	"bot.core.flows.conditions.x_evaluate*" \
	"bot.core.flows.decide.*" "bot.storage.*"
mutation: $(STAMP_TEST)
	$(BIN)/pip install --quiet -e ".[mutation]"
	PTB_TIMEDELTA=true $(BIN)/python -m tests.mutation_run $(MUTATION_SECONDS) $(MUTANTS)
	$(BIN)/python -m tests.mutation_score mutation-survivors.txt $(MUTANTS)

mutation-clean:
	rm -rf mutants mutation-survivors.txt

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache .hypothesis benchmarks/results mutants
