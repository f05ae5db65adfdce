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

# Build, serve on 127.0.0.1:$(PORT), rebuild and reload the page on every change (Ctrl-C stops).
serve: deps
	$(PYTHON) build.py serve --port $(PORT)

# npm ci: the Nu HTML Checker (vnu-jar), axe-core and Lighthouse, pinned in package-lock.json, into
# node_modules/. --ignore-scripts: vnu-jar's install script would download a Java runtime; Debian's is used.
test-deps:
	$(PYTHON) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	bash scripts/install-system-deps.sh test
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error

# pytest's last line is the suite's wall time; --durations lists the 15 slowest tests above it.
test: test-deps
	$(PYTHON) -m pytest -q --durations=15

bench: deps
	$(PYTHON) bench/run.py
