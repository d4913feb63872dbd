#!/bin/sh
# The page at scale (bench/ui/page.py; see bench/README.md): a store of 100,000 jobs and a
# study of 10,000 trials x 20 parameters, then p95 latency of a page of 100 jobs and of
# the trials endpoint, and the study view's first render in headless Chromium.
# Knobs: DROVER (build/drover), JOBS (100000), TRIALS (10000), PARAMS (20), REQUESTS
# (200 per endpoint), RENDERS (3), KEEP=DIR (reuse or keep the store there), ARTEFACTS
# (a folder for screenshots; default: beside drover, artefacts/page-bench).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
exec /usr/bin/python3 "$here/page.py" --drover "${DROVER:-build/drover}" --jobs "${JOBS:-100000}" \
  --trials "${TRIALS:-10000}" --params "${PARAMS:-20}" --requests "${REQUESTS:-200}" \
  --renders "${RENDERS:-3}" ${KEEP:+--keep "$KEEP"} ${ARTEFACTS:+--artefacts "$ARTEFACTS"} "$@"
