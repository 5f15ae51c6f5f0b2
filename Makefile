# make run   install, migrate, load demo data, serve on http://127.0.0.1:8000 with a Celery worker
#            and beat (embedded broker, or Redis when REDIS_URL is set)
# make test  lint (ruff, bandit) and the whole test suite (SQLite by default; DATABASE_URL/REDIS_URL for the real services)
# make bench the benchmarks, figures written to bench/results/ (ONLY=encryption runs one)

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run serve test lint messages bench clean

install: $(VENV)/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

messages: install
	DEBUG=1 $(BIN)/python manage.py compilemessages --ignore=.venv -v0

run: install messages
	DEBUG=1 $(BIN)/python manage.py migrate --no-input
	DEBUG=1 $(BIN)/python manage.py seed_demo
	DEBUG=1 $(BIN)/python manage.py import_services referrals/demo/catalogue.csv
	DEBUG=1 $(BIN)/python manage.py seed_follow_up
	$(MAKE) --no-print-directory serve

# The web server and the worker (with beat) run together; Ctrl-C stops both.
serve:
	@echo "Serving on http://$(HOST):$(PORT)/ (Ctrl-C to stop)"
	DEBUG=1 bash -c 'trap "kill 0" EXIT; \
		$(BIN)/celery -A config worker --beat --loglevel=INFO --concurrency=2 & \
		$(BIN)/python manage.py runserver --noreload $(HOST):$(PORT)'

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/bandit --quiet --recursive --severity-level medium --exclude '*/migrations/*' casework config referrals followup

test: install messages lint
	DEBUG=1 $(BIN)/python -m pytest

bench: install
	$(BIN)/pip install --quiet --disable-pip-version-check -r bench/requirements.txt
	DEBUG=1 DJANGO_SETTINGS_MODULE=bench.settings $(BIN)/python -m bench $(ONLY)

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache .ruff_cache .hypothesis
