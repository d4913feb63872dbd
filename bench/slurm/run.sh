#!/usr/bin/env bash
# Slurm benchmark: N trivial jobs on a local Slurm, two ways:
#   plain    a shell loop of one `sbatch` per job (as users write by hand), then one
#            `squeue` per POLL seconds until none of its jobs is left in the queue
#   drover   `drover run --executor slurm` of one step over N values (same POLL)
# Prints the time until all N jobs are done, the number of sbatch/squeue/scancel/
# scontrol calls each made (counted by PATH shims that log and exec the real command),
# and the ratios plain/drover. Not a test: nothing here asserts a timing.
#
# Environment: N (1000), POLL (5: seconds between squeue calls, both ways), DROVER
# (build/drover), SLURM_CONF (a running cluster; without it, tests/slurm/up.sh starts
# one in a temporary folder on port 16937 and down.sh stops it at the end), KEEP=1
# keeps the temporary folder.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
N=${N:-1000}
POLL=${POLL:-5}
DROVER=${DROVER:-$root/build/drover}
[[ -x $DROVER ]] || { echo "no drover at $DROVER: build it first" >&2; exit 2; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/drover-bench-slurm.XXXXXX")
cleanup() {
  [[ -n ${own_cluster:-} ]] && "$root/tests/slurm/down.sh" "$tmp/cluster" >/dev/null 2>&1
  [[ ${KEEP:-0} == 1 ]] || rm -rf "$tmp"
}
trap cleanup EXIT
if [[ -z ${SLURM_CONF:-} ]]; then
  own_cluster=1
  DROVER_SLURM_PORT=16937 "$root/tests/slurm/up.sh" "$tmp/cluster"
  export SLURM_CONF=$tmp/cluster/slurm.conf
fi

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

# PATH shims: $tmp/<way>/calls.log gets one line per controller command.
make_shims() {
  local dir=$1/shim
  mkdir -p "$dir"
  for cmd in sbatch squeue scancel scontrol; do
    printf '#!/bin/sh\necho %s >> "%s"\nexec %s "$@"\n' "$cmd" "$1/calls.log" "$(command -v $cmd)" > "$dir/$cmd"
    chmod +x "$dir/$cmd"
  done
  : > "$1/calls.log"
}
count() { grep -cx "$2" "$1/calls.log" || true; }

echo "slurm benchmark: $N trivial jobs, squeue every ${POLL}s"
echo "machine: $(nproc) CPUs, $(uname -sr); $(date -u +%Y-%m-%dT%H:%MZ); cluster: $(sinfo -h -N -o '%N %c CPUs' | head -n 1)"

# --- plain: one sbatch per job ------------------------------------------------------
plain=$tmp/plain
make_shims "$plain"
mkdir -p "$plain/out"
(
  export PATH=$plain/shim:$PATH
  cd "$plain"
  t0=$(now)
  ids=""
  for ((i = 0; i < N; i++)); do
    id=$(sbatch --parsable -o /dev/null -e /dev/null --wrap "echo $((i * i)) > out/$i.txt")
    ids="$ids${ids:+,}${id%%;*}"
  done
  while [[ -n $(squeue -h -o %i --jobs="$ids" 2>/dev/null) ]]; do sleep "$POLL"; done
  echo "$(elapsed "$t0" "$(now)")" > "$plain/seconds"
)
plain_done=$(find "$plain/out" -name '*.txt' | wc -l)

# --- drover: the same jobs as one step ------------------------------------------------
dr=$tmp/drover
make_shims "$dr"
{
  echo "name: bench-slurm"
  echo "slurm: {poll_interval: ${POLL}s}"
  echo "axes:"
  printf '  i: ['; seq -s ', ' 0 $((N - 1)) | tr -d '\n'; echo ']'
  echo "steps:"
  echo "  square:"
  echo "    over: [i]"
  echo "    run: echo \$(( {i} * {i} )) > out.txt"
  echo "    outputs: [out.txt]"
} > "$dr/drover.yaml"
(
  export PATH=$dr/shim:$PATH
  cd "$dr"
  t0=$(now)
  "$DROVER" run -q --executor slurm drover.yaml > "$dr/run.log"
  echo "$(elapsed "$t0" "$(now)")" > "$dr/seconds"
)
dr_done=$(find "$dr/.drover/jobs" -name out.txt | wc -l)

# --- report -----------------------------------------------------------------------------
printf '%-8s %8s %6s %7s %7s %8s %9s %6s\n' way seconds sbatch squeue scancel scontrol "all calls" done
for way in plain drover; do
  d=$tmp/$way
  sb=$(count "$d" sbatch); sq=$(count "$d" squeue); sc=$(count "$d" scancel); so=$(count "$d" scontrol)
  eval "${way}_calls=$((sb + sq + sc + so))"
  n_done=$([[ $way == plain ]] && echo "$plain_done" || echo "$dr_done")
  printf '%-8s %8s %6s %7s %7s %8s %9s %6s\n' "$way" "$(cat "$d/seconds")" "$sb" "$sq" "$sc" "$so" \
    "$((sb + sq + sc + so))" "$n_done"
done
awk -v pc="$plain_calls" -v dc="$drover_calls" -v pt="$(cat "$plain/seconds")" -v dt="$(cat "$dr/seconds")" \
  'BEGIN { printf "ratios: controller calls plain/drover = %.1fx (target >= 10); time to all done drover/plain = %.2f (target <= 1)\n", pc / dc, dt / pt }'
