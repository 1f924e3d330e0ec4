# Reelhouse: `make run` starts the service on the embedded default, `make test` runs the whole suite.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8000

.PHONY: install run test dovecot pgbouncer lint bench clean messages fuzz chromium nginx fleet build-deps

install: $(STAMP) reelhouse/static/vendor/hls.min.js.gz

$(STAMP): requirements.lock pyproject.toml | build-deps
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

reelhouse/static/vendor/hls.min.js: frontend/package.json frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund --silent
	mkdir -p reelhouse/static/vendor
	cp frontend/node_modules/hls.js/dist/hls.min.js reelhouse/static/vendor/hls.min.js

# Served as it is to browsers that take gzip (whitenoise picks the .gz beside a file): 190 KB instead of 620 KB.
reelhouse/static/vendor/hls.min.js.gz: reelhouse/static/vendor/hls.min.js
	gzip -9 -n -k -f reelhouse/static/vendor/hls.min.js

# pdqhash (content fingerprints) has no wheel: it is built from source, which needs a C++ compiler and Python's
# headers; installed from Debian only when missing.
build-deps:
	@command -v g++ >/dev/null 2>&1 || { \
	  echo "installing Debian's g++ to build pdqhash"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq g++ python3-dev >/dev/null; }

# Debian's chromium drives the browser journeys; installed only when missing.
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core >/dev/null; }

# Debian's nginx with set_misc (HMAC-SHA256) runs the edge tests and bench/edge.py (deploy/nginx/); installed only
# when missing.
nginx:
	@{ command -v nginx >/dev/null 2>&1 && test -e /usr/lib/nginx/modules/ngx_http_set_misc_module.so; } || { \
	  echo "installing Debian's nginx and its set_misc module for the edge tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx libnginx-mod-http-set-misc >/dev/null; }

# The fleet test (tests/scale/test_fleet.py) builds hosts with `ip netns` and gives its data host a PostgreSQL of its
# own (Debian's initdb + postgres); iproute2 and postgresql are installed only when missing.
fleet:
	@{ command -v ip >/dev/null 2>&1 && ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; } || { \
	  echo "installing Debian's iproute2 and postgresql for the fleet test"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq iproute2 postgresql >/dev/null; }

# Debian's dovecot-imapd is the real IMAP server of the support mailbox tests (tests/conftest.py starts it).
dovecot:
	@command -v dovecot >/dev/null 2>&1 || test -x /usr/sbin/dovecot || { \
	  echo "installing Debian's dovecot-imapd for the support mailbox tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dovecot-imapd >/dev/null; }

# Debian's pgbouncer: the PostgreSQL run of the suite goes through a real one in transaction mode (tests/pgbouncer.py);
# installed only when missing.
pgbouncer:
	@command -v pgbouncer >/dev/null 2>&1 || test -x /usr/sbin/pgbouncer || { \
	  echo "installing Debian's pgbouncer for the PostgreSQL tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq pgbouncer >/dev/null; }

run: install
	PORT=$(PORT) $(BIN)/reelhouse run

test: install chromium nginx dovecot pgbouncer fleet
	bash scripts/test.sh

# Coverage-guided fuzzing (atheris/libFuzzer) of the NFO and partner-feed parsers, FUZZ_SECONDS per target; not part
# of `make test`. Seeds are fuzz/corpus/<target>/ (kept as they are); inputs that reach new code collect in
# var/fuzz/<target>/, a crashing or hanging input is written to var/fuzz/<target>-crash-* (rerun it with
# `.venv/bin/python fuzz/<target>_fuzz.py FILE`) and the run stops with an error.
FUZZ_SECONDS ?= 60
fuzz: install
	@mkdir -p var/fuzz/nfo var/fuzz/feed
	$(BIN)/python fuzz/nfo_fuzz.py var/fuzz/nfo fuzz/corpus/nfo -dict=fuzz/nfo.dict -timeout=10 \
	  -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 -artifact_prefix=var/fuzz/nfo-
	$(BIN)/python fuzz/feed_fuzz.py var/fuzz/feed fuzz/corpus/feed -dict=fuzz/feed.dict -timeout=10 \
	  -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 -artifact_prefix=var/fuzz/feed-

lint: install
	$(BIN)/ruff check .

# After changing user-facing strings: refresh the French and German catalogues, translate, then compile.
messages: install
	cd reelhouse && ../$(BIN)/reelhouse makemessages -l fr -l de --ignore "migrations/*" && ../$(BIN)/reelhouse compilemessages

clean:
	rm -rf $(VENV) var frontend/node_modules reelhouse/static/vendor
