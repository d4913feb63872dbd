#!/usr/bin/env bash
# What a study's trial costs the engine over a plain job: N trials of a SLEEP-second
# objective, J at a time (a workflow `study:` step, random sampler), against the same N
# jobs as a plain sweep (an axis of N values), both run by `drover run -j J` on a fresh
# store. Prints, for each, the median wall time and the median CPU time of the drover
# process alone (perf stat --no-inherit: its wrappers and jobs are not counted), and the
# difference per trial. Not a test: nothing here asserts a timing.
#
# Environment: N (100), J (2), SLEEP (0.05), REPS (3), DROVER (build/drover).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
N=${N:-100}
J=${J:-2}
SLEEP=${SLEEP:-0.05}
REPS=${REPS:-3}
DROVER=${DROVER:-$root/build/drover}
[[ -x $DROVER ]] || { echo "no drover at $DROVER" >&2; exit 2; }
command -v perf >/dev/null || { echo "needs perf (linux-perf)" >&2; exit 2; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/drover-trial-cost.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
# The objective, a script in each workflow's folder (drover hashes it as the jobs' code).
for kind in sweep study; do
  mkdir -p "$tmp/$kind"
  printf 'sleep %s\necho '"'"'{"name": "objective", "value": 1}'"'"' >> "$DROVER_METRICS"\n' \
    "$SLEEP" > "$tmp/$kind/objective.sh"
done
{
  echo "name: sweep"
  echo "axes:"
  printf '  i: [%s]\n' "$(seq -s ', ' 0 $((N - 1)))"
  echo "steps:"
  echo "  t:"
  echo "    over: [i]"
  echo "    run: sh objective.sh {i}"
} > "$tmp/sweep/drover.yaml"
{
  echo "name: study"
  echo "steps:"
  echo "  t:"
  echo "    study:"
  echo "      space: {x: {type: float, low: 0, high: 1}}"
  echo "      sampler: random"
  echo "      trials: $N"
  echo "      parallel: $J"
  echo "    run: sh objective.sh {x}"
} > "$tmp/study/drover.yaml"

median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# One run on a fresh store: "WALL_S CPU_MS".
run_once() {
  local dir=$1 a b cpu
  rm -rf "$dir/.drover"
  a=$(date +%s.%N)
  (cd "$dir" && perf stat -x, --no-inherit -e task-clock -o "$tmp/perf.txt" \
     "$DROVER" run -j "$J" -q drover.yaml >&2)
  b=$(date +%s.%N)
  cpu=$(awk -F, '/task-clock/ { print $1 }' "$tmp/perf.txt")
  awk -v a="$a" -v b="$b" -v c="$cpu" 'BEGIN { printf "%.3f %.1f\n", b - a, c }'
}

echo "trial cost: $N trials of a ${SLEEP}s objective, $J at a time, $REPS repetitions (medians)"
echo "machine: $(nproc) CPUs; load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
declare -A wall cpu
for ((r = 0; r < REPS; r++)); do
  for kind in sweep study; do
    read -r w c < <(run_once "$tmp/$kind")
    wall[$kind]+="$w "
    cpu[$kind]+="$c "
  done
done
for kind in sweep study; do
  # shellcheck disable=SC2086
  printf '%-6s wall %7.3f s   drover CPU %8.1f ms   (walls: %s)\n' "$kind" \
    "$(median ${wall[$kind]})" "$(median ${cpu[$kind]})" "${wall[$kind]}"
done
# shellcheck disable=SC2086
awk -v ws="$(median ${wall[study]})" -v wp="$(median ${wall[sweep]})" \
    -v cs="$(median ${cpu[study]})" -v cp="$(median ${cpu[sweep]})" -v n="$N" -v j="$J" 'BEGIN {
  printf "per trial over a plain job: %.2f ms of drover CPU, %.2f ms of wall (%.2f ms of slot time)\n",
         (cs - cp) / n, (ws - wp) * 1000 / n, (ws - wp) * 1000 * j / n }'
