#!/usr/bin/env bash
# Planning benchmark, three parts (medians of REPS repetitions; not a test):
#   (a) `drover plan` of a 1,000,000-job sweep (three axes of 100 values, one step whose
#       command is templated with the three values) on a fresh store: wall time and peak
#       RSS. Targets: < 10 s, < 2 GiB.
#   (b) a no-op rerun: a 100,000-job sweep of `true` is run once for real, then the second
#       `drover run` must reuse every job. Target: < 5 s.
#   (c) `snakemake -n` vs `drover run --dry-run` on the same 10,000-job workflow, nothing
#       done yet: wall time of each and the ratio.
#   (d) many steps: `drover plan` of a random layered DAG of SMALL_STEPS (2,000) and
#       BIG_STEPS (20,000) one-job steps, 1-3 parents each (gen_dag.py): time of each and
#       the ratio. Targets: BIG_STEPS < 1 s, ratio <= 12 (linear). Then `snakemake -n` on
#       the same DAG as a Snakefile at SMALL_STEPS/2 and SMALL_STEPS steps, and at
#       BIG_STEPS extrapolated linearly from those two (a lower bound), unless SNAKE_BIG=1 runs it
#       (minutes); a Snakemake run past SNAKE_BUDGET_S (600) is stopped and reported so.
#
# Environment: REPS (3), PLAN_REPS (REPS: repetitions of (a)), REPLAN (0; 1 also times
# planning again over the recorded store), PLAN_AXIS (100: values per axis in (a)), RERUN_N (100000),
# DRY_N (10000), J (2), FIRST_J (4: -j of the one real run in (b), only to fill the
# store sooner), DROVER (build-bench/drover), PARTS ("a b c d"), KEEP=1, SMALL_STEPS (2000),
# BIG_STEPS (20000), SNAKE_BIG (0), SNAKE_BUDGET_S (600).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
REPS=${REPS:-3}
PLAN_AXIS=${PLAN_AXIS:-100}
RERUN_N=${RERUN_N:-100000}
DRY_N=${DRY_N:-10000}
J=${J:-2}
FIRST_J=${FIRST_J:-4}
PLAN_REPS=${PLAN_REPS:-$REPS}
REPLAN=${REPLAN:-0}
PARTS=${PARTS:-a b c d}
SMALL_STEPS=${SMALL_STEPS:-2000}
BIG_STEPS=${BIG_STEPS:-20000}
SNAKE_BIG=${SNAKE_BIG:-0}
SNAKE_BUDGET_S=${SNAKE_BUDGET_S:-600}
DROVER=${DROVER:-$root/build-bench/drover}
SNAKEMAKE=${SNAKEMAKE:-/usr/bin/snakemake}
TIME=/usr/bin/time

[[ -x $DROVER ]] || { echo "no drover at $DROVER: build it first (see bench/README.md)" >&2; exit 2; }
[[ -x $TIME ]] || { echo "no $TIME: apt-get install time" >&2; exit 2; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/drover-bench-plan.XXXXXX")
[[ ${KEEP:-0} == 1 ]] || trap 'rm -rf "$tmp"' EXIT

median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", a / b }'; }
verdict() { awk -v v="$1" -v t="$2" 'BEGIN { print (v < t) ? "ok" : "MISSED" }'; }
values() { seq -s ', ' 0 $(($1 - 1)); }

# measure LOG CMD... : runs CMD under /usr/bin/time; prints "WALL_S MAXRSS_KIB CPU_S"
# (CPU: user + system seconds, which a busy machine inflates less than wall time).
measure() {
  local log=$1
  shift
  local t0 t1
  t0=$(date +%s.%N)
  if ! "$TIME" -f '%M %U %S' -o "$log.time" "$@" >"$log" 2>&1; then
    echo "failed: $*" >&2
    tail -20 "$log" >&2
    exit 1
  fi
  t1=$(date +%s.%N)
  awk -v a="$t0" -v b="$t1" -v m="$(tail -1 "$log.time")" \
    'BEGIN { split(m, f, " "); printf "%.3f %s %.2f\n", b - a, f[1], f[2] + f[3] }'
}

echo "plan benchmark: $REPS repetitions, medians"
echo "machine: $(nproc) CPUs, $(uname -sr); $(date -u +%Y-%m-%dT%H:%MZ); load average at start: $(cut -d" " -f1-3 /proc/loadavg)"

# --- (a) drover plan, 1,000,000 jobs -------------------------------------------------
if [[ $PARTS == *a* ]]; then
  n=$((PLAN_AXIS * PLAN_AXIS * PLAN_AXIS))
  wf=$tmp/sweep.yaml
  cat >"$wf" <<YAML
name: sweep
axes:
  a: [$(values "$PLAN_AXIS")]
  b: [$(values "$PLAN_AXIS")]
  c: [$(values "$PLAN_AXIS")]
steps:
  train:
    over: [a, b, c]
    run: "python3 train.py --a {a} --b {b} --c {c} --out model.pkl"
YAML
  secs=() rss=() cpu=() again=()
  for ((r = 0; r < PLAN_REPS; r++)); do
    store=$tmp/plan-$r
    mkdir -p "$store"
    read -r s m c < <(measure "$store.log" "$DROVER" --store "$store" plan "$wf")
    secs+=("$s") rss+=("$m") cpu+=("$c")
    if [[ $REPLAN == 1 ]]; then  # planning again over a store that holds every job
      read -r s _ _ < <(measure "$store.log2" "$DROVER" --store "$store" plan "$wf")
      again+=("$s")
    fi
    rm -rf "$store"
  done
  s=$(median "${secs[@]}")
  m=$(median "${rss[@]}")
  mib=$(awk -v k="$m" 'BEGIN { printf "%.0f", k / 1024 }')
  echo
  echo "(a) drover plan, $n jobs, fresh store"
  echo "    wall      $s s   (runs: ${secs[*]})   target < 10 s: $(verdict "$s" 10)"
  echo "    CPU       $(median "${cpu[@]}") s user+sys   (runs: ${cpu[*]})"
  echo "    peak RSS  $mib MiB  (runs, KiB: ${rss[*]})   target < 2048 MiB: $(verdict "$mib" 2048)"
  [[ $REPLAN == 1 ]] && echo "    replan over the recorded store: $(median "${again[@]}") s (runs: ${again[*]})"
fi

# --- (b) no-op rerun of 100,000 reused jobs ------------------------------------------
if [[ $PARTS == *b* ]]; then
  # RERUN_N = x * 100 jobs: axes x (RERUN_N/100 values) and y (100 values).
  nx=$((RERUN_N / 100))
  wf=$tmp/rerun.yaml
  cat >"$wf" <<YAML
name: rerun
axes:
  x: [$(values "$nx")]
  y: [$(values 100)]
steps:
  noop:
    over: [x, y]
    run: "true"
YAML
  store=$tmp/rerun
  mkdir -p "$store"
  read -r first _ _ < <(measure "$store.first" "$DROVER" --store "$store" run "$wf" -j "$FIRST_J" -q)
  secs=() rss=() cpu=()
  for ((r = 0; r < REPS; r++)); do
    read -r s m c < <(measure "$store.again-$r" "$DROVER" --store "$store" run "$wf" -j "$J" -q)
    secs+=("$s") rss+=("$m") cpu+=("$c")
  done
  dry=()
  for ((r = 0; r < REPS; r++)); do
    read -r s _ _ < <(measure "$store.dry-$r" "$DROVER" --store "$store" run "$wf" --dry-run)
    dry+=("$s")
  done
  s=$(median "${secs[@]}")
  echo
  echo "(b) no-op rerun, $((nx * 100)) jobs all reused (first, real run: $first s at -j $FIRST_J)"
  echo "    wall      $s s   (runs: ${secs[*]})   target < 5 s: $(verdict "$s" 5)"
  echo "    CPU       $(median "${cpu[@]}") s user+sys   (runs: ${cpu[*]})"
  echo "    peak RSS  $(awk -v k="$(median "${rss[@]}")" 'BEGIN { printf "%.0f", k / 1024 }') MiB"
  echo "    --dry-run over the same store: $(median "${dry[@]}") s (runs: ${dry[*]})"
  echo "    what the rerun printed:"
  tail -3 "$store.again-0" | sed 's/^/      | /'
fi

# --- (c) dry runs at 10,000 jobs: snakemake -n vs drover run --dry-run ----------------
if [[ $PARTS == *c* ]]; then
  [[ -x $SNAKEMAKE ]] || { echo "no snakemake at $SNAKEMAKE" >&2; exit 2; }
  dir=$tmp/dry
  mkdir -p "$dir"
  cat >"$dir/dry.yaml" <<YAML
name: dry
axes:
  i: [$(values "$DRY_N")]
steps:
  noop:
    over: [i]
    run: "true"
YAML
  cat >"$dir/Snakefile" <<SNAKE
IDS = range($DRY_N)

rule all:
    input: expand("out/{i}", i=IDS)

rule noop:
    output: "out/{i}"
    shell: "true && touch {output}"
SNAKE
  d=() sm=()
  for ((r = 0; r < REPS; r++)); do
    read -r s _ _ < <(measure "$dir/drover-$r.log" "$DROVER" --store "$dir" run "$dir/dry.yaml" --dry-run)
    d+=("$s")
    read -r s _ _ < <(cd "$dir" && measure "$dir/snake-$r.log" "$SNAKEMAKE" -n --cores "$J" --quiet)
    sm+=("$s")
  done
  ds=$(median "${d[@]}")
  ss=$(median "${sm[@]}")
  echo
  echo "(c) dry run, $DRY_N jobs, nothing done yet"
  echo "    drover run --dry-run  $ds s   (runs: ${d[*]})"
  echo "    snakemake -n          $ss s   (runs: ${sm[*]})"
  echo "    snakemake/drover      $(ratio "$ss" "$ds")x"
fi

# --- (d) many steps: planning time linear in the number of steps ----------------------
if [[ $PARTS == *d* ]]; then
  dir=$tmp/steps
  mkdir -p "$dir"
  plan_steps() {  # N: median wall and CPU seconds of `drover plan` of the N-step DAG, fresh store; wall runs
    local n=$1 runs=() cpus=() s c
    /usr/bin/python3 "$here/gen_dag.py" "$n" "$dir/dag-$n.yaml" --snakefile "$dir/Snakefile-$n"
    for ((r = 0; r < REPS; r++)); do
      rm -rf "$dir/store-$n" && mkdir -p "$dir/store-$n"
      read -r s _ c < <(measure "$dir/plan-$n-$r.log" "$DROVER" --store "$dir/store-$n" plan "$dir/dag-$n.yaml")
      runs+=("$s") cpus+=("$c")
    done
    echo "$(median "${runs[@]}") $(median "${cpus[@]}") ${runs[*]}"
  }
  snake_steps() {  # N: wall seconds of `snakemake -n` on the N-step DAG, or "timeout"
    local n=$1 t0 t1
    local d=$dir/snake-$n
    mkdir -p "$d" && cp "$dir/Snakefile-$n" "$d/Snakefile"
    t0=$(date +%s.%N)
    if ! (cd "$d" && timeout "$SNAKE_BUDGET_S" "$SNAKEMAKE" -n --cores "$J" --quiet >"$d/log" 2>&1); then
      echo timeout
      return
    fi
    t1=$(date +%s.%N)
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f\n", b - a }'
  }
  read -r small small_cpu small_runs < <(plan_steps "$SMALL_STEPS")
  read -r big big_cpu big_runs < <(plan_steps "$BIG_STEPS")
  r=$(ratio "$big" "$small")
  echo
  echo "(d) drover plan of a layered DAG of one-job steps (1-3 parents each), fresh store"
  echo "    $SMALL_STEPS steps   $small s wall, $small_cpu s CPU   (runs: $small_runs)"
  echo "    $BIG_STEPS steps  $big s wall, $big_cpu s CPU   (runs: $big_runs)   target < 1 s: $(verdict "$big" 1)"
  echo "    ratio      ${r}x wall, $(ratio "$big_cpu" "$small_cpu")x CPU for $((BIG_STEPS / SMALL_STEPS))x the steps   target <= 12: $(verdict "$r" 12.01)"
  if [[ -x $SNAKEMAKE ]]; then
    half=$((SMALL_STEPS / 2))
    /usr/bin/python3 "$here/gen_dag.py" "$half" "$dir/dag-$half.yaml" --snakefile "$dir/Snakefile-$half"
    s_half=$(snake_steps "$half")
    s_small=$(snake_steps "$SMALL_STEPS")
    echo "    snakemake -n, $half steps: $s_half s; $SMALL_STEPS steps: $s_small s (snakemake/drover $(
      [[ $s_small == timeout ]] && echo "-" || ratio "$s_small" "$small")x)"
    if [[ $SNAKE_BIG == 1 ]]; then
      s_big=$(snake_steps "$BIG_STEPS")
      echo "    snakemake -n, $BIG_STEPS steps: $s_big s (measured)"
    elif [[ $s_half != timeout && $s_small != timeout ]]; then
      awk -v a="$s_half" -v b="$s_small" -v n1="$half" -v n2="$SMALL_STEPS" -v n3="$BIG_STEPS" -v d="$big" 'BEGIN {
        per = (b - a) / (n2 - n1); t = b + per * (n3 - n2);
        printf "    snakemake -n, %d steps: at least %.0f s EXTRAPOLATED (a fixed cost plus %.1f ms per step, from the two runs above; Snakemake grows faster than that, SNAKE_BIG=1 runs it), %.0fx drover\n", n3, t, per * 1000, t / d }'
    fi
  fi
fi
