# Two commands do all set-up on a fresh machine: `make run` and `make test`.
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.requirements-installed
SPARK_STAMP := $(VENV)/.spark-requirements-installed

# Debian packages are installed when missing: as root, else through sudo; one `apt-get update` first.
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
APT_GET := $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get -y -q -o Dpkg::Use-Pty=0
APT_INSTALL_MISSING = if [ -n "$$missing" ]; then \
		echo "Installing Debian packages:$$missing"; \
		$(APT_GET) update && $(APT_GET) install $$missing; \
	fi
# `python3 -m venv` needs ensurepip, which Debian ships in python3-venv.
NEED_VENV = python3 -c 'import ensurepip' >/dev/null 2>&1 || missing="$$missing python3-venv"

# `make check`: the fast tier (engine, import, access, AppTest; no browser, LibreOffice, nginx or Spark) and the
# import contracts; `make test` is the whole suite, what CI runs. docs/architecture.md, Tests by tier.
.PHONY: run test check demo bench clean system-packages runtime-packages spark spark-packages

$(STAMP): requirements.txt
	@missing=""; $(NEED_VENV); $(APT_INSTALL_MISSING)
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $(STAMP)

# What briefings need from Debian: chromium (kaleido draws chart images with it), CJK fonts (else Chinese
# renders as boxes) and pango (WeasyPrint writes the PDF with it).
RUNTIME_CHECKS = command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	dpkg -s fonts-noto-cjk >/dev/null 2>&1 || missing="$$missing fonts-noto-cjk"; \
	dpkg -s libpangoft2-1.0-0 >/dev/null 2>&1 || missing="$$missing libpango-1.0-0 libpangoft2-1.0-0"

runtime-packages:
	@missing=""; $(NEED_VENV); $(RUNTIME_CHECKS); $(APT_INSTALL_MISSING)

# The tests also drive the browser (Debian's chromium, no `playwright install`), read PDFs (poppler-utils), render
# a briefing's Word file to PDF with LibreOffice headless (libreoffice-writer-nogui: Writer without a GUI) and run
# Debian's nginx from deploy/nginx/dashboard.conf with a certificate made by openssl (tests/test_deploy.py). The
# tests start /usr/sbin/nginx themselves; the nginx service the package brings is not needed, so where systemd runs
# it is stopped and disabled again (in containers policy-rc.d already keeps it from starting).
NGINX := /usr/sbin/nginx
system-packages:
	@missing=""; $(NEED_VENV); $(RUNTIME_CHECKS); \
	command -v pdftotext >/dev/null 2>&1 || missing="$$missing poppler-utils"; \
	command -v soffice >/dev/null 2>&1 || missing="$$missing libreoffice-writer-nogui"; \
	command -v openssl >/dev/null 2>&1 || missing="$$missing openssl"; \
	new_nginx=""; [ -x $(NGINX) ] || { missing="$$missing nginx"; new_nginx=1; }; \
	$(APT_INSTALL_MISSING) && \
	if [ -n "$$new_nginx" ] && [ -d /run/systemd/system ]; then $(SUDO) systemctl disable --now nginx; fi

# The Spark engine (python -m metrics rollup --engine spark): Java from Debian when missing (Spark 4 runs on 17 or 21;
# bookworm's default-jre-headless is 17) and pyspark from PyPI (requirements-spark.txt). Against a cluster or a
# Spark Connect address (config.yaml spark) Java is still what pyspark's local driver needs, except over Connect.
spark-packages:
	@missing=""; command -v java >/dev/null 2>&1 || missing="$$missing default-jre-headless"; $(APT_INSTALL_MISSING)

$(SPARK_STAMP): requirements-spark.txt $(STAMP)
	$(PY) -m pip install --quiet -r requirements-spark.txt
	touch $(SPARK_STAMP)

spark: spark-packages $(SPARK_STAMP)

run: runtime-packages $(STAMP)
	$(VENV)/bin/streamlit run dashboard.py

test: system-packages spark $(STAMP)
	$(VENV)/bin/lint-imports --no-cache
	$(PY) -m pytest -q tests

check: runtime-packages $(STAMP)
	$(VENV)/bin/lint-imports --no-cache
	$(PY) -m pytest -q -m "not slow" tests

# The city-scale benchmark (prints a table, writes benchmarks/results.json); ROWS may list several sizes. 原因分析 at
# the same sizes (benchmarks/breakdown_results.json). Then the load test in chromium: 10 sessions on one and two
# processes, renders with 20 sessions open during a 500,000-row import versus without (prints tables, writes
# benchmarks/load_results.json). Then the hot issues (集中诉求, docs/hot-issues.md): 100,000 messages grouped at
# import, then 5,000 more (prints the figures).
ROWS ?= 1000000 10000000
bench: system-packages $(STAMP)
	$(PY) benchmarks/scale.py --rows $(ROWS)
	$(PY) benchmarks/breakdown.py --rows $(ROWS)
	$(PY) benchmarks/load.py
	$(PY) benchmarks/hot.py

demo: $(STAMP)
	$(PY) -m metrics demo

clean:
	rm -rf $(VENV) data/demo data/rejections

# The scale-out benchmark (issue 15): a lake of ROWS orders generated as Parquet, the rollup job on DuckDB and on
# Spark local (seconds, peak memory), the two files compared, 总览 from the Spark-built file in chromium (prints a
# table, writes benchmarks/scale_out_results.json; the lake and files under benchmarks/work/scale_out/, removed).
.PHONY: bench-scale-out
bench-scale-out: ROWS = 100000000
bench-scale-out: system-packages spark $(STAMP)
	$(PY) benchmarks/scale_out.py --rows $(ROWS) --clean
