#!/bin/sh
# Stops the Slurm that tests/slurm/up.sh started from DIR: cancels its jobs, stops the
# daemons listed in DIR/pids by PID (SIGTERM, then SIGKILL), then kills the job
# processes it left (those whose environment names this DIR's slurm.conf).
#
#   tests/slurm/down.sh DIR      (or DROVER_SLURM_DIR=DIR tests/slurm/down.sh)
set -u
DIR=${1:-${DROVER_SLURM_DIR:-}}
[ -n "$DIR" ] || { echo "usage: $0 DIR (or DROVER_SLURM_DIR=DIR $0)" >&2; exit 2; }
[ -d "$DIR" ] || exit 0
DIR=$(cd "$DIR" && pwd)
PATH="$PATH:/usr/sbin:/sbin"
export SLURM_CONF="$DIR/slurm.conf"
[ -f "$DIR/pids" ] || exit 0

alive() { kill -0 "$1" 2>/dev/null; }

# Cancel every job first: slurmstepd outlives slurmd.
if [ -f "$SLURM_CONF" ] && timeout 10 scontrol ping 2>/dev/null | grep -q 'is UP'; then
  timeout 10 scancel --user="$(id -un)" 2>/dev/null || true
  n=50
  while [ $n -gt 0 ] && [ -n "$(timeout 10 squeue -h -o %i 2>/dev/null)" ]; do
    n=$((n - 1)); sleep 0.2
  done
fi

# Daemons in reverse order of start: slurmd, slurmctld, munged.
for pid in $(awk '{print $2}' "$DIR/pids" | tac); do
  alive "$pid" && kill -TERM "$pid" 2>/dev/null
done
for pid in $(awk '{print $2}' "$DIR/pids"); do
  n=100
  while [ $n -gt 0 ] && alive "$pid"; do n=$((n - 1)); sleep 0.1; done
  alive "$pid" && kill -KILL "$pid" 2>/dev/null
done

# What the daemons left behind: slurmstepd (it carries the daemons' DROVER_SLURM_DAEMON
# marker) and job processes (a SLURM_JOB_ID of this cluster: SLURM_CONF names DIR's).
me=$$
for env in /proc/[0-9]*/environ; do
  pid=${env#/proc/}; pid=${pid%/environ}
  [ "$pid" = "$me" ] && continue
  vars=$( { tr '\0' '\n' < "$env"; } 2>/dev/null) || continue
  if printf '%s\n' "$vars" | grep -qxF "DROVER_SLURM_DAEMON=$DIR" ||
     { printf '%s\n' "$vars" | grep -qxF "SLURM_CONF=$SLURM_CONF" &&
       printf '%s\n' "$vars" | grep -q '^SLURM_JOB_ID='; }; then
    kill -KILL "$pid" 2>/dev/null || true
  fi
done
rm -f "$DIR/pids"
echo "down.sh: Slurm in $DIR stopped"
