#!/usr/bin/env bash
# Dispatch benchmark: N trivial jobs (`true`), J at a time, three ways:
#   drover     `drover run -j J -q` on a fresh store each repetition
#   raw        a posix_spawn loop of `sh -c true` keeping J in flight (the floor)
#   floor      the same loop over drover's job layout without the engine: a job folder
#              and command.sh per job, run by the job wrapper (drover-job, found next
#              to DROVER); the files without the wrapper (`sh command.sh`); and two
#              floors for designs without a wrapper per job (see below)
#   snakemake  one rule over N wildcard values, `--cores J` (needs an output: touches one)
# Prints the median jobs/s of each and the ratios drover/raw (target >= 0.7) and
# drover/snakemake (target >= 20). Not a test: nothing here asserts a timing.
#
# Environment: N (5000), J (2), REPS (3), SNAKE_BUDGET_S (120: seconds one Snakemake
# repetition may take; past it Snakemake runs fewer jobs and its rate is extrapolated),
# SNAKE_PROBE_N (50), SNAKE_REPS (REPS), PARTS ("raw floor drover snakemake"), DROVER (build-bench/drover), KEEP=1 keeps the
# temp folder.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
N=${N:-5000}
J=${J:-2}
REPS=${REPS:-3}
SNAKE_BUDGET_S=${SNAKE_BUDGET_S:-120}
SNAKE_PROBE_N=${SNAKE_PROBE_N:-50}
SNAKE_REPS=${SNAKE_REPS:-$REPS}
DROVER=${DROVER:-$root/build-bench/drover}
SNAKEMAKE=${SNAKEMAKE:-/usr/bin/snakemake}
PARTS=${PARTS:-raw floor drover snakemake}

[[ -x $DROVER ]] || { echo "no drover at $DROVER: build it first (see bench/README.md)" >&2; exit 2; }
[[ -x $SNAKEMAKE ]] || { echo "no snakemake at $SNAKEMAKE" >&2; exit 2; }

# Stores and outputs are deleted only at the end: on ext4 without a journal, creating
# inodes right after deleting many is slow (the kernel skips recently deleted inodes),
# which would tax whichever measurement came after a deletion.
tmp=$(mktemp -d "${TMPDIR:-/tmp}/drover-bench-dispatch.XXXXXX")
[[ ${KEEP:-0} == 1 ]] || trap 'rm -rf "$tmp"' EXIT

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
rate() { awk -v n="$1" -v s="$2" 'BEGIN { printf "%.1f", n / s }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

echo "dispatch benchmark: $N trivial jobs, $J at a time, $REPS repetitions (medians)"
echo "machine: $(nproc) CPUs, $(uname -sr); $(date -u +%Y-%m-%dT%H:%MZ); load average at start: $(cut -d" " -f1-3 /proc/loadavg)"

# --- raw posix_spawn ------------------------------------------------------------------
if [[ $PARTS == *raw* ]]; then
  g++ -O2 -std=c++20 -o "$tmp/raw_spawn" "$here/raw_spawn.cc"
  raw_s=()
  for ((r = 0; r < REPS; r++)); do raw_s+=("$("$tmp/raw_spawn" "$N" "$J")"); done
  raw_med=$(median "${raw_s[@]}")
  raw_rate=$(rate "$N" "$raw_med")
  printf '%-10s %8s jobs/s  (median of %s s: %s)\n' raw "$raw_rate" "$raw_med" "${raw_s[*]}"
fi

# --- floor: drover's job layout without the engine ------------------------------------
# Four ways to make and run the same job folders (wrapper_floor.cc says what each does):
# +files (folder, command.sh, stdout, stderr), +wrapper (drover's layout as it is, one
# drover-job per job), and two floors for the alternatives to a wrapper per job:
# in-process (every file of the layout, written by one process that runs sh itself: the
# floor of any design that keeps the files) and supervisor (the same, by one long-lived
# process fed over a pipe).
if [[ $PARTS == *floor* ]]; then
  g++ -O2 -std=c++20 -o "$tmp/wrapper_floor" "$here/wrapper_floor.cc"
  wrapper=$(dirname "$DROVER")/drover-job
  [[ -x $wrapper ]] || { echo "no job wrapper at $wrapper" >&2; exit 2; }
  modes=(script-only wrapper in-process supervisor)
  labels=(+files +wrapper in-process supervisor)
  declare -A floor_runs
  for ((r = 0; r < REPS; r++)); do
    for m in "${modes[@]}"; do
      floor_runs[$m]+="$("$tmp/wrapper_floor" "$N" "$J" "$tmp/$m-$r" "$wrapper" "$m") "
    done
  done
  declare -A floor_rate
  for i in "${!modes[@]}"; do
    m=${modes[$i]}
    # shellcheck disable=SC2086
    med=$(median ${floor_runs[$m]})
    floor_rate[$m]=$(rate "$N" "$med")
    printf '%-10s %8s jobs/s  (median of %s s: %s)\n' "${labels[$i]}" "${floor_rate[$m]}" "$med" "${floor_runs[$m]% }"
  done
  files_rate=${floor_rate[script-only]}
  floor_rate_wrapper=${floor_rate[wrapper]}
fi

# --- drover ---------------------------------------------------------------------------
if [[ $PARTS == *drover* ]]; then
  wf=$tmp/dispatch.yaml
  {
    echo "name: dispatch"
    echo "axes:"
    printf '  i: [%s]\n' "$(seq -s ', ' 0 $((N - 1)))"
    echo "steps:"
    echo "  noop:"
    echo "    over: [i]"
    echo '    run: "true"'
  } >"$wf"
  drover_s=()
  for ((r = 0; r < REPS; r++)); do
    store=$tmp/drover-$r
    mkdir -p "$store"
    t0=$(now)
    (cd "$store" && "$DROVER" --store "$store" run "$wf" -j "$J" -q >"$store.log" 2>&1) ||
      { echo "drover run failed:" >&2; tail -20 "$store.log" >&2; exit 1; }
    t1=$(now)
    drover_s+=("$(elapsed "$t0" "$t1")")
  done
  drover_med=$(median "${drover_s[@]}")
  drover_rate=$(rate "$N" "$drover_med")
  printf '%-10s %8s jobs/s  (median of %s s: %s)\n' drover "$drover_rate" "$drover_med" "${drover_s[*]}"
fi

# --- snakemake ------------------------------------------------------------------------
if [[ $PARTS == *snakemake* ]]; then
  snake_run() {  # snake_run JOBS DIR -> prints seconds
    local n=$1 dir=$2
    mkdir -p "$dir"
    cat >"$dir/Snakefile" <<SNAKE
IDS = range($n)

rule all:
    input: expand("out/{i}", i=IDS)

rule noop:
    output: "out/{i}"
    shell: "true && touch {output}"
SNAKE
    local t0 t1
    t0=$(now)
    (cd "$dir" && "$SNAKEMAKE" --cores "$J" --quiet >"$dir.log" 2>&1) ||
      { echo "snakemake failed:" >&2; tail -20 "$dir.log" >&2; exit 1; }
    t1=$(now)
    elapsed "$t0" "$t1"
  }
  # Snakemake is two orders of magnitude slower, so a probe of SNAKE_PROBE_N jobs predicts
  # its time at N; when that is over SNAKE_BUDGET_S per repetition, it runs at the largest
  # multiple of 100 jobs that fits and its rate is extrapolated to N (which favours
  # Snakemake: its per-job cost grows with the size of its DAG). Its fixed cost (start-up,
  # a DAG of one job) is measured too, and the ratio uses the marginal rate, with that cost
  # taken out, which favours Snakemake again.
  probe_s=$(snake_run "$SNAKE_PROBE_N" "$tmp/snake-probe")
  one_s=$(snake_run 1 "$tmp/snake-one")
  snake_n=$(awk -v s="$probe_s" -v p="$SNAKE_PROBE_N" -v n="$N" -v b="$SNAKE_BUDGET_S" \
    'BEGIN { k = int(b / (s / p) / 100) * 100; if (k < p) k = p; print (k < n) ? k : n }')
  if ((snake_n == N)); then
    note="at $N jobs"
  else
    note="at $snake_n jobs: EXTRAPOLATED to $N (probe: $SNAKE_PROBE_N jobs in $probe_s s)"
  fi
  snake_s=()
  for ((r = 0; r < SNAKE_REPS; r++)); do snake_s+=("$(snake_run "$snake_n" "$tmp/snake-$r")"); done
  snake_med=$(median "${snake_s[@]}")
  snake_rate=$(rate "$snake_n" "$snake_med")
  snake_marginal=$(awk -v n="$snake_n" -v s="$snake_med" -v f="$one_s" \
    'BEGIN { d = s - f; if (d <= 0) d = s; printf "%.1f", (n - 1) / d }')
  printf '%-10s %8s jobs/s  (median of %s s: %s; %s)\n' snakemake "$snake_rate" "$snake_med" "${snake_s[*]}" "$note"
  printf '%-10s %8s jobs/s  (its fixed cost, one job: %s s, taken out)\n' "  marginal" "$snake_marginal" "$one_s"
fi

echo
[[ -n ${raw_rate:-} && -n ${drover_rate:-} ]] &&
  echo "drover/raw       $(ratio "$drover_rate" "$raw_rate")   (target >= 0.7)"
[[ -n ${raw_rate:-} && -n ${floor_rate_wrapper:-} ]] && {
  echo "layout/raw       $(ratio "$files_rate" "$raw_rate") with the files, $(ratio "$floor_rate_wrapper" "$raw_rate") with the wrapper too (no engine)"
  echo "                 $(ratio "${floor_rate[in-process]}" "$raw_rate") every file of the layout by one process (no wrapper, no engine: the floor)"
  echo "                 $(ratio "${floor_rate[supervisor]}" "$raw_rate") the same by a supervisor process fed over a pipe"
}
[[ -n ${floor_rate_wrapper:-} && -n ${drover_rate:-} ]] &&
  echo "drover/layout    $(ratio "$drover_rate" "$floor_rate_wrapper")   (what the engine's loop and store cost on top)"
[[ -n ${snake_rate:-} && -n ${drover_rate:-} ]] &&
  echo "drover/snakemake $(ratio "$drover_rate" "$snake_marginal")   (target >= 20; against its marginal rate; $(ratio "$drover_rate" "$snake_rate") against its whole-run rate)"
exit 0
