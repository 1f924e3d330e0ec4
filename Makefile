# Reelhouse: `make run` starts the service on the embedded default, `make test` runs the whole suite.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8000

.PHONY: install run test lint bench clean messages

install: $(STAMP) reelhouse/static/vendor/hls.min.js

$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

reelhouse/static/vendor/hls.min.js: frontend/package.json frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund --silent
	mkdir -p reelhouse/static/vendor
	cp frontend/node_modules/hls.js/dist/hls.min.js reelhouse/static/vendor/hls.min.js

# Debian's chromium drives the browser journeys; installed only when missing.
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core >/dev/null; }

run: install
	PORT=$(PORT) $(BIN)/reelhouse run

test: install chromium
	bash scripts/test.sh

lint: install
	$(BIN)/ruff check .

# After changing user-facing strings: refresh the French and German catalogues, translate, then compile.
messages: install
	cd reelhouse && ../$(BIN)/reelhouse makemessages -l fr -l de --ignore "migrations/*" && ../$(BIN)/reelhouse compilemessages

clean:
	rm -rf $(VENV) var frontend/node_modules reelhouse/static/vendor
