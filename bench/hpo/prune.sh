#!/usr/bin/env bash
# bench/hpo/prune.sh: drover's pruners against Optuna's of the same kind (median, ASHA,
# Hyperband; both with their defaults) on the synthetic learning curves of curves.h:
# PSEEDS seeds x PTRIALS trials x PEPOCHS epochs, trials one after another, random
# parameters (the curves depend only on the seed and the trial number). Prints, per
# pruner, the mean epochs spent per seed and the median (over seeds) of the best final
# loss of a complete trial. LAGS (default "0 5"): drover again with each decision taken
# that many epochs late, what reading a fast trial only every so often costs.
# Then the same for real: REAL (default "median"; "" to skip) pruners run by drover itself,
# a workflow's study whose trials are processes with real epochs of REAL_EPOCH_S seconds
# (default 0.05; prune_real.py), RSEEDS x RTRIALS x REPOCHS (default 3 x 30 x 30), beside
# Optuna's on the same curves.
# Called by run.sh; alone: BUILD=build bench/hpo/prune.sh. Needs Debian's python3-optuna.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BUILD=${BUILD:-$ROOT/build-hpo}
PSEEDS=${PSEEDS:-5}
PTRIALS=${PTRIALS:-100}
PEPOCHS=${PEPOCHS:-100}
LAGS=${LAGS:-0 5}
PY=/usr/bin/python3
REAL=${REAL-median}
REAL_EPOCH_S=${REAL_EPOCH_S:-0.05}
RSEEDS=${RSEEDS:-3}
RTRIALS=${RTRIALS:-30}
REPOCHS=${REPOCHS:-30}
cmake --build "$BUILD" --target prune_bench >/dev/null
[ -z "$REAL" ] || cmake --build "$BUILD" --target drover >/dev/null
OUT=$(mktemp)
trap 'rm -f "$OUT"' EXIT
for p in median asha hyperband; do
  for lag in $LAGS; do "$BUILD/bench/hpo/prune_bench" "$p" "$PSEEDS" "$PTRIALS" "$PEPOCHS" "$lag"; done
  "$PY" "$HERE/optuna_bench.py" prune "$p" "$PSEEDS" "$PTRIALS" "$PEPOCHS"
done > "$OUT"
summarize() {
"$PY" - "$@" <<'PYEOF'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
print(f"pruning: {sys.argv[2]} seeds x {sys.argv[3]} trials x {sys.argv[4]} epochs (curves.h)")
print(f"{'pruner':<10} {'impl':<18} {'epochs/seed':>12} {'median best':>12}")
keys = []
for r in rows:
    if (r["pruner"], r["impl"]) not in keys:
        keys.append((r["pruner"], r["impl"]))
for p, impl in keys:
    rs = [r for r in rows if r["pruner"] == p and r["impl"] == impl]
    print(f"{p:<10} {impl:<18} {statistics.mean(r['epochs'] for r in rs):>12.1f} "
          f"{statistics.median(r['best'] for r in rs):>12.4f}")
PYEOF
}
summarize "$OUT" "$PSEEDS" "$PTRIALS" "$PEPOCHS"
if [ -n "$REAL" ]; then
  for p in $REAL; do
    "$PY" "$HERE/prune_real.py" "$BUILD/drover" "$p" "$RSEEDS" "$RTRIALS" "$REPOCHS" "$REAL_EPOCH_S"
    "$PY" "$HERE/optuna_bench.py" prune "$p" "$RSEEDS" "$RTRIALS" "$REPOCHS"
  done > "$OUT"
  echo
  echo "real epochs of ${REAL_EPOCH_S}s, trials run by drover:"
  summarize "$OUT" "$RSEEDS" "$RTRIALS" "$REPOCHS"
fi
