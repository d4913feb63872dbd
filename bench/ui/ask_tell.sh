#!/bin/sh
# Ask and tell over HTTP against the CLI and against Optuna on SQLite (bench/ui/ask_tell.py;
# see bench/README.md). Knobs: DROVER (build/drover), PARTS (abo: a, b, Optuna), TRIALS (10000),
# CLIENTS (50), DURATION (60 s per side). Optuna is Debian's python3-optuna (3.1): the
# first python3 on PATH that imports it is used.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
py=/usr/bin/python3
for p in python3 /usr/bin/python3; do
  if command -v "$p" >/dev/null && "$p" -c "import optuna" 2>/dev/null; then py=$p; break; fi
done
exec "$py" "$here/ask_tell.py" --drover "${DROVER:-build/drover}" --parts "${PARTS:-abo}" \
  --trials "${TRIALS:-10000}" --clients "${CLIENTS:-50}" --duration "${DURATION:-60}" "$@"
