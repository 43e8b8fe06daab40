# CampusSearch: the two set-up commands are `make serve` and `make test`.
SWIFT ?= swift
PORT ?= 6333
DATA_DIR ?= ./data/db

.PHONY: serve test setup build release test-swift clean

## Installs what is missing, builds in release mode and starts the server on its embedded defaults.
serve: setup release
	.build/release/campus-search serve --data-dir $(DATA_DIR) --port $(PORT)

## Installs what is missing and runs the whole test suite.
test: setup
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build
	python3 -m pytest -q Tests/e2e
	bash Tests/fuzz/schemathesis.sh 60

setup:
	bash scripts/setup.sh

build:
	$(SWIFT) build

release:
	$(SWIFT) build -c release --product campus-search

clean:
	rm -rf .build
