# The two commands a newcomer types: `make site` and `make test`. Each does its own set-up.
PYTHON ?= python3
PORT ?= 8000

.PHONY: site test deps test-deps serve check bench

deps:
	$(PYTHON) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	bash scripts/install-system-deps.sh build

site: deps
	$(PYTHON) build.py
	@echo "View it: $(PYTHON) -m http.server --bind 127.0.0.1 --directory site $(PORT)  then open http://127.0.0.1:$(PORT)/"

check: deps
	$(PYTHON) build.py check

test-deps:
	$(PYTHON) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	bash scripts/install-system-deps.sh test

test: test-deps
	$(PYTHON) -m pytest -q

bench: deps
	$(PYTHON) bench/run.py
