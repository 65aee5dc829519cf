# CEN Suite. `make run` and `make test` do all the set-up on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# make run: development settings on the embedded SQLite unless DATABASE_URL is set.
RUN_ENV := DEBUG=1
# make run PORT=8001 to serve on another port.
PORT ?= 8000

.PHONY: run test install lint format check-deploy migrate demo clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

migrate: install
	$(RUN_ENV) $(BIN)/python manage.py migrate --no-input

demo: migrate
	$(RUN_ENV) $(BIN)/python manage.py seed_demo --min-cases 2000

run: demo
	$(RUN_ENV) $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

test: install
	$(BIN)/pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# The production security checklist, with production-like settings.
check-deploy: install
	DEBUG=0 SECRET_KEY=check-deploy-$$(date +%s)-not-a-real-key-0123456789abcdefghijklmnopqrstuvwxyz \
	  ALLOWED_HOSTS=cen.example.org EMAIL_HOST=smtp.example.org \
	  $(BIN)/python manage.py check --deploy --fail-level WARNING

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
