#!/usr/bin/env bash
# bench/hpo/run.sh: drover's HPO samplers against Optuna on the same machine.
#   quality: median best value after TRIALS trials over SEEDS seeds on standard
#            functions: drover TPE (independent, multivariate), Optuna TPE
#            (default, multivariate=True), random.
#   cost:    mean time per ask+tell once 100 / 1,000 / 5,000 trials exist
#            (6-D Hartmann), drover vs Optuna in memory and on SQLite.
# Environment: BUILD (build dir, default build-hpo), SEEDS (10), FIRST_SEED (0), TRIALS (100),
# JOBS (parallel quality runs, 2), SIZES (100,1000,5000), CACHE (where Optuna's
# quality results are kept, keyed by Optuna version, sampler, function, seeds
# and trials: they do not depend on drover; FRESH=1 reruns them).
# Needs Debian's python3-optuna (apt-get install -y python3-optuna), run by /usr/bin/python3.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BUILD=${BUILD:-$ROOT/build-hpo}
SEEDS=${SEEDS:-10}
FIRST_SEED=${FIRST_SEED:-0}
TRIALS=${TRIALS:-100}
JOBS=${JOBS:-2}
SIZES=${SIZES:-100,1000,5000}
PY=/usr/bin/python3

cmake -S "$ROOT" -B "$BUILD" -G Ninja >/dev/null
ninja -C "$BUILD" hpo_bench >/dev/null
BENCH=$BUILD/bench/hpo/hpo_bench
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT

# The two implementations of the test functions must agree.
"$PY" "$HERE/tables.py" check <("$BENCH" check) <("$PY" "$HERE/optuna_bench.py" check)

FUNCTIONS="branin hartmann6 rosenbrock10 ackley5 levy5 styblinski5 michalewicz5"
CACHE=${CACHE:-$BUILD/bench-hpo-cache}
OPTUNA_VERSION=$("$PY" -c 'import optuna; print(optuna.__version__)')
mkdir -p "$CACHE"
i=0
for f in $FUNCTIONS; do
  for s in tpe tpe-mv random; do
    echo "'$BENCH' quality $s $f $SEEDS $TRIALS $FIRST_SEED > '$OUT/q$((i++)).jsonl'"
  done
  for s in tpe tpe-mv; do
    cached="$CACHE/optuna-$OPTUNA_VERSION-$s-$f-$SEEDS-$TRIALS.jsonl"
    [ "$FIRST_SEED" = 0 ] || cached="$CACHE/optuna-$OPTUNA_VERSION-$s-$f-$FIRST_SEED+$SEEDS-$TRIALS.jsonl"
    if [ -s "$cached" ] && [ "${FRESH:-0}" != 1 ]; then
      echo "cat '$cached' > '$OUT/q$((i++)).jsonl'"
    else
      echo "'$PY' '$HERE/optuna_bench.py' quality $s $f $SEEDS $TRIALS $FIRST_SEED > '$cached.tmp' && mv '$cached.tmp' '$cached' && cp '$cached' '$OUT/q$((i++)).jsonl'"
    fi
  done
done > "$OUT/commands"
start=$(date +%s)
xargs -P "$JOBS" -I{} sh -c '{}' < "$OUT/commands"
echo "quality runs: $(( $(date +%s) - start )) s" >&2

# Cost: one process at a time, so the timings do not compete with each other.
"$BENCH" cost "$SIZES" 200 > "$OUT/cost.jsonl"
"$PY" "$HERE/optuna_bench.py" cost "$SIZES" 20 10 >> "$OUT/cost.jsonl"

cat "$OUT"/q*.jsonl > "$OUT/quality.jsonl"
"$PY" "$HERE/tables.py" report "$OUT/quality.jsonl" "$OUT/cost.jsonl"

# Pruning: drover's pruners against Optuna's on synthetic learning curves.
BUILD="$BUILD" "$HERE/prune.sh"
