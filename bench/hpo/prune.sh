#!/usr/bin/env bash
# bench/hpo/prune.sh: drover's pruners against Optuna's of the same kind (median, ASHA,
# Hyperband; both with their defaults) on the synthetic learning curves of curves.h:
# PSEEDS seeds x PTRIALS trials x PEPOCHS epochs, trials one after another, random
# parameters (the curves depend only on the seed and the trial number). Prints, per
# pruner, the mean epochs spent per seed and the median (over seeds) of the best final
# loss of a complete trial. LAGS (default "0 5"): drover again with each decision taken
# that many epochs late, what reading a fast trial only every so often costs.
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
cmake --build "$BUILD" --target prune_bench >/dev/null
OUT=$(mktemp)
trap 'rm -f "$OUT"' EXIT
for p in median asha hyperband; do
  for lag in $LAGS; do "$BUILD/bench/hpo/prune_bench" "$p" "$PSEEDS" "$PTRIALS" "$PEPOCHS" "$lag"; done
  "$PY" "$HERE/optuna_bench.py" prune "$p" "$PSEEDS" "$PTRIALS" "$PEPOCHS"
done > "$OUT"
"$PY" - "$OUT" "$PSEEDS" "$PTRIALS" "$PEPOCHS" <<'PYEOF'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
print(f"pruning: {sys.argv[2]} seeds x {sys.argv[3]} trials x {sys.argv[4]} epochs (curves.h)")
print(f"{'pruner':<10} {'impl':<14} {'epochs/seed':>12} {'median best':>12}")
keys = []
for r in rows:
    if (r["pruner"], r["impl"]) not in keys:
        keys.append((r["pruner"], r["impl"]))
for p, impl in keys:
    rs = [r for r in rows if r["pruner"] == p and r["impl"] == impl]
    print(f"{p:<10} {impl:<14} {statistics.mean(r['epochs'] for r in rs):>12.1f} "
          f"{statistics.median(r['best'] for r in rs):>12.4f}")
PYEOF
