#!/usr/bin/env bash
# Real workflow shapes (the WfCommons traces) run by drover and by Snakemake, against the
# makespan lower bound: see run.py's header for what it runs and its knobs, and
# bench/README.md for the figures. QUICK=1 for three small traces only.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
export PYTHONDONTWRITEBYTECODE=1
exec /usr/bin/python3 "$here/run.py" "$@"
