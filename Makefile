# Two commands matter: `make demo` and `make test`. Both set everything up first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# checkov pins a boto3 older than the functions' own, so it lives in a virtualenv of its own.
CHECKOV_VENV := $(VENV)/checkov
CHECKOV := BC_SKIP_MAPPING=TRUE $(CHECKOV_VENV)/bin/checkov --framework cloudformation --compact --skip-download

.PHONY: setup browser demo serve test fuzz lint format bench load clean package policy deploy flows vendor reasons-model reasons-export \
        openapi docs docs-serve docs-split screens

setup: $(STAMP)

$(STAMP): requirements.txt requirements-dev.txt requirements-checkov.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (PYTHON=$(PYTHON))")'
	@# An existing virtualenv (or a link to one) is updated in place, not recreated.
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	test -x $(CHECKOV_VENV)/bin/python || $(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-checkov.txt
	@touch $(STAMP)

# Debian's Chromium for the browser tests (Playwright drives it and downloads no browser
# of its own). Installed when missing; that needs root, as on CI.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" != 0 ]; then echo "Chromium is missing: run 'sudo apt-get install -y chromium' once"; exit 1; fi; \
	  echo "Installing Debian's chromium for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

demo: setup
	$(BIN)/python -m devkit.demo

# The local stack with the demo's data on http://127.0.0.1:8000 until Ctrl-C.
serve: setup
	$(BIN)/python -m devkit.serve

# The documentation site (mkdocs.yml) into out/site, offline; --strict: a broken link,
# an unknown anchor or a page missing from the navigation fails the build.
# NO_MKDOCS_2_WARNING: Material's notice about its successor, printed on every build.
DOCS_PORT ?= 8001
docs: setup
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --quiet
	@echo "The site is in out/site (open out/site/index.html)."

docs-serve: setup
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs serve --dev-addr 127.0.0.1:$(DOCS_PORT)

# The README's sections into docs/ and the short README at the front door (run on the
# long README: devkit/docs_split.py says how).
docs-split: setup
	$(BIN)/python -m devkit.docs_split

# Pictures of the agent panel and the live floor (make serve's pages) into docs/images/.
screens: setup browser
	$(BIN)/python -m devkit.screens

# bandit: security lint of what ships to Lambda, failing on medium or high severity.
# lint-imports: the layers of chalicelib declared in pyproject.toml ([tool.importlinter]).
test: setup browser
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache
	$(BIN)/bandit -q -r chalicelib app.py -ll
	$(BIN)/python -m pytest

# The REST API fuzzed from its OpenAPI document with many more examples per route than
# `make test` runs (FUZZ_EXAMPLES, random seeds): 100 took 12 min on a busy 2-core machine.
FUZZ_EXAMPLES ?= 100
fuzz: setup
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/python -m pytest tests/integration/test_api_fuzz.py -q

lint: setup
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache

format: setup
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# `make bench cost timeout`: only the sections whose names contain those words (the
# words after `bench` are section names, not targets).
ifeq (bench,$(firstword $(MAKECMDGOALS)))
BENCH_SECTIONS := $(wordlist 2,$(words $(MAKECMDGOALS)),$(MAKECMDGOALS))
$(eval $(BENCH_SECTIONS):;@:)
endif

bench: setup
	$(BIN)/python -m devkit.bench $(BENCH_SECTIONS)

# The contact-reason classifier (chalicelib/reasons/model.json), retrained from the
# labelled examples in chalicelib/reasons/examples/ after they change.
reasons-model: setup
	$(BIN)/python -c 'from chalicelib.reasons import model; model.build()'

# Training examples from what customers said and the reasons agents set at wrap-up, into
# chalicelib/reasons/examples/wrapup.tsv (then `make reasons-model`): from the embedded AWS
# of a running `make serve` (ENDPOINT=<the URL it prints>), or from a deployed stage with
# your AWS credentials (EXPORT_STAGE=prod REGION=eu-central-1).
EXPORT_STAGE ?= local
reasons-export: setup
	$(BIN)/python -m devkit.reasons_export --stage $(EXPORT_STAGE) $(if $(ENDPOINT),--endpoint $(ENDPOINT)) \
	  $(if $(REGION),--region $(REGION))

# Concurrent ingestion of a generated day under DynamoDB's transaction conflicts and
# throttling, K = 1, 4, 8, 16 workers (a few minutes; `make test` runs a short one).
load: setup
	$(BIN)/python -m devkit.load

# Deployable CloudFormation: out/package/$(STAGE)/sam.json + deployment.zip (and the API's
# openapi.json), linted and scanned by checkov (a check that does not apply is suppressed in the template, with its reason).
STAGE ?= dev
package: setup
	$(BIN)/python -m deploy.infra package --stage $(STAGE)
	$(BIN)/cfn-lint out/package/$(STAGE)/sam.json
	$(CHECKOV) --quiet -f out/package/$(STAGE)/sam.json

# The REST API's OpenAPI 3.1 document, for the stage's authorizer: out/openapi.json
# (`make package` writes it next to the template too; the app serves it at /openapi.json).
openapi: setup
	$(BIN)/python -m deploy.infra openapi --stage $(STAGE)

# The functions' IAM policy for `chalice deploy` (written by `make package` too).
policy: setup
	$(BIN)/python -m deploy.infra policy --stage $(STAGE)

# Packaging first leaves chalice's cached package slimmed, so `chalice deploy` ships
# the same package as the stack.
deploy: package
	$(BIN)/chalice deploy --stage $(STAGE)

# The stage's flows as JSON files to import in the Connect console.
flows: setup
	$(BIN)/python -m deploy.flows --stage $(STAGE)

# Front-end files vendored under chalicelib/static/vendor/, rebuilt from their pinned
# lock files (needs Node.js and npm; demo and test use the committed files).
vendor: setup
	$(BIN)/python -m devkit.vendor

clean:
	rm -rf $(VENV) out build .pytest_cache .ruff_cache .hypothesis
