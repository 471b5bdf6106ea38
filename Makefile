# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
STAMP := $(VENV)/.installed
CHROMIUM ?= /usr/bin/chromium
# `make run` serves a demo blog here, on another origin, and allows it to frame the forms.
DEMO_PORT ?= 5001
DEMO_ORIGIN := http://localhost:$(DEMO_PORT)
PG_TEST_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
TRANSLATIONS := leadgen/translations
CATALOGS := $(wildcard $(TRANSLATIONS)/*/LC_MESSAGES/messages.po)
# axe-core (browser tests' accessibility check) and vnu-jar (HTML check), from package-lock.json.
AXE := node_modules/axe-core/axe.min.js

.PHONY: install run worker test lint format bench browser wordpress clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP) $(CATALOGS:.po=.mo) $(AXE)

# Compiled catalogs are built, not committed (.gitignore): the .po files are the source.
$(TRANSLATIONS)/%/LC_MESSAGES/messages.mo: $(TRANSLATIONS)/%/LC_MESSAGES/messages.po $(STAMP)
	$(BIN)/pybabel compile --statistics -d $(TRANSLATIONS) -l $*

$(AXE): package.json package-lock.json
	@if command -v npm >/dev/null; then npm ci --no-audit --no-fund --loglevel=error && touch $@; \
	else echo "browser and HTML tests need Node.js and npm for axe-core and vnu-jar: sudo apt-get install npm"; fi

# After changing a text: re-extract every msgid and merge it into the catalogs, then translate.
messages: $(STAMP)
	$(BIN)/pybabel extract -F leadgen/babel.cfg -k _l --no-location --sort-output \
	  --ignore-dirs ".* node_modules __pycache__" \
	  --project leadgen -o $(TRANSLATIONS)/messages.pot .
	$(BIN)/pybabel update -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS) \
	  --ignore-obsolete --no-fuzzy-matching

# Debian's chromium for the browser tests (Playwright drives it through executable_path), the
# DejaVu fonts the e-book falls back to for names in other scripts (Hebrew, Arabic, …), and the
# PDF tools the e-book tests check each copy with: qpdf, MuPDF's mutool, poppler's pdftotext,
# and Java for the Nu Html Checker (vnu-jar).
TOOLS := qpdf mutool pdftotext java
browser:
	@if [ ! -x $(CHROMIUM) ] || [ ! -d /usr/share/fonts/truetype/dejavu ] || \
	    ! (for tool in $(TOOLS); do command -v $$tool || exit 1; done) >/dev/null; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core qpdf mupdf-tools poppler-utils default-jre-headless >/dev/null; \
	  else echo "browser, PDF and HTML tests need: sudo apt-get install chromium fonts-dejavu-core qpdf mupdf-tools poppler-utils default-jre-headless"; fi; \
	fi

# The WordPress plugin's tests: php-cli for `php -l`, and Debian's WordPress (with its Dutch and
# its default theme), PHP's MySQL driver and MariaDB to install the plugin on
# (tests/embed/test_wordpress.py). The services stay off: the test serves WordPress with `php -S`
# and uses a database of its own.
WP_PACKAGES := php-cli php-mysql wordpress wordpress-l10n wordpress-theme-twentytwentythree mariadb-server
WP_CONTENT := /usr/share/wordpress/wp-content
wordpress:
	@if ! command -v php >/dev/null || [ ! -f $(WP_CONTENT)/languages/nl_NL.mo ] || \
	    [ ! -d $(WP_CONTENT)/themes/twentytwentythree ] || \
	    ! php -m 2>/dev/null | grep -qx mysqli || ! command -v mariadbd >/dev/null; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(WP_PACKAGES) >/dev/null; \
	  else echo "WordPress plugin tests need: sudo apt-get install $(WP_PACKAGES)"; fi; \
	fi

# The web server as production runs it (threaded workers; see the file), on the settings' env.
SERVE := $(BIN)/gunicorn -c deploy/gunicorn.conf.py wsgi:app

run: install
	$(FLASK) db upgrade
	$(FLASK) ebook build
	@echo ""
	@echo "  leadgen draait op http://127.0.0.1:5000  (Ctrl+C stopt alles)"
	@echo "  Demo-blog met het ingesloten formulier: $(DEMO_ORIGIN)"
	@echo "  Eerste medewerker aanmaken: .venv/bin/flask --app wsgi users create jij@praktijk.nl"
	@echo "  Mail zonder SMTP komt terecht in instance/mail/"
	@echo ""
	@configured="$${LEADGEN_EMBED_ORIGINS:-$$(sed -n 's/^LEADGEN_EMBED_ORIGINS=//p' .env 2>/dev/null)}"; \
	  export LEADGEN_EMBED_ORIGINS="$${configured:+$$configured,}$(DEMO_ORIGIN)"; \
	  trap 'exit 130' INT TERM; trap 'kill $$worker $$demo 2>/dev/null' EXIT; \
	  $(FLASK) mail send --loop & worker=$$!; \
	  $(BIN)/python -m leadgen.embed.demo --port $(DEMO_PORT) & demo=$$!; \
	  LEADGEN_BIND=127.0.0.1:5000 LEADGEN_WORKERS=2 $(SERVE)

# The mail worker alone (make run starts it too).
worker: install
	$(FLASK) mail send --loop

# The suite runs on one pytest worker per CPU (pytest-xdist); PYTEST_WORKERS=0 runs it in one
# process, e.g. to read a failure's output in order. Each worker has its own instance folder,
# PostgreSQL database, live servers and Chromium, so workers share nothing but the CPUs. Tests
# marked `alone` load the machine on purpose, so they run afterwards, by themselves. (Exit code 5
# is pytest's "no test selected", e.g. when PYTEST_ARGS names a file with none of them.)
PYTEST_WORKERS ?= auto
test: install browser wordpress
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) -m "not alone" $(PYTEST_ARGS) || test $$? = 5
	$(BIN)/python -m pytest -m alone $(PYTEST_ARGS) || test $$? = 5

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# The bench's static baseline needs nginx; installed here when we may, skipped otherwise.
bench: install
	@if ! command -v nginx >/dev/null && [ ! -x /usr/sbin/nginx ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null; \
	  else echo "bench: no nginx, so no static baseline (sudo apt-get install nginx)"; fi; \
	fi
	$(BIN)/python bench/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache node_modules $(TRANSLATIONS)/*/LC_MESSAGES/messages.mo
