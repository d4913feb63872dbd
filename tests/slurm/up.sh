#!/bin/sh
# Starts a real single-node Slurm (munged, slurmctld, slurmd) on 127.0.0.1 for drover's
# tests and benchmarks. Every file it writes lives under one folder:
#
#   tests/slurm/up.sh DIR        (or DROVER_SLURM_DIR=DIR tests/slurm/up.sh)
#
# DIR/slurm.conf is the configuration (export SLURM_CONF=DIR/slurm.conf for every
# client command; DIR/env does that when sourced); DIR/pids lists what was started, for
# down.sh, which stops exactly those. Runs as root (slurmd must), needs no systemd.
# Settings, from the environment:
#   DROVER_SLURM_CPUS   CPUs the node advertises (default 32, more than the machine has,
#                       so that many trivial jobs run at once)
#   DROVER_SLURM_PORT   slurmctld's port; slurmd uses the next one (default 16917: below
#                       the ephemeral range, so no client connection can hold it)
set -eu

DIR=${1:-${DROVER_SLURM_DIR:-}}
[ -n "$DIR" ] || { echo "usage: $0 DIR (or DROVER_SLURM_DIR=DIR $0)" >&2; exit 2; }
CPUS=${DROVER_SLURM_CPUS:-32}
PORT=${DROVER_SLURM_PORT:-16917}
MEM_MB=$((CPUS * 2048))

if [ "$(id -u)" -ne 0 ]; then
  echo "up.sh: run as root: slurmd must be root to start jobs (sudo $0 $DIR)" >&2
  exit 1
fi
for b in munged munge unmunge slurmctld slurmd sbatch squeue scontrol sinfo scancel; do
  command -v "$b" >/dev/null 2>&1 || PATH="$PATH:/usr/sbin:/sbin"
  command -v "$b" >/dev/null 2>&1 ||
    { echo "up.sh: $b is missing; run scripts/deps.sh (munge slurmctld slurmd slurm-client)" >&2; exit 1; }
done
if [ -s "$DIR/pids" ]; then   # a Slurm started from this folder before: stop it first
  "$(dirname "$0")/down.sh" "$DIR" || true
fi

mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)
rm -rf "$DIR/munge" "$DIR/state" "$DIR/spool" "$DIR/log"
mkdir -p "$DIR/munge" "$DIR/state" "$DIR/spool" "$DIR/log"
chmod 0755 "$DIR" "$DIR/munge"   # munged refuses a socket folder that is not 0755
: > "$DIR/pids"

SOCK=$DIR/munge/munge.socket
if [ ${#SOCK} -gt 100 ]; then
  echo "up.sh: $SOCK is too long for a Unix socket; give a shorter DIR" >&2
  exit 1
fi
CONF=$DIR/slurm.conf

# Waits up to $1 tenths of a second for the command "$2 ..." to succeed.
wait_for() {
  n=$1; shift
  while [ "$n" -gt 0 ]; do
    "$@" >/dev/null 2>&1 && return 0
    n=$((n - 1)); sleep 0.1
  done
  return 1
}
fail() {
  echo "up.sh: $1; logs in $DIR/log" >&2
  for f in "$DIR"/log/*; do [ -f "$f" ] && { echo "--- $f" >&2; tail -n 20 "$f" >&2; }; done
  "$(dirname "$0")/down.sh" "$DIR" >/dev/null 2>&1 || true
  exit 1
}

# 1. munge, with its own key and socket.
dd if=/dev/urandom of="$DIR/munge/munge.key" bs=1024 count=1 2>/dev/null
chmod 0400 "$DIR/munge/munge.key"
munged -F --force --socket="$SOCK" --key-file="$DIR/munge/munge.key" \
  --pid-file="$DIR/munge/munged.pid" --seed-file="$DIR/munge/munged.seed" \
  --log-file="$DIR/log/munged.log" </dev/null >/dev/null 2>&1 &
echo "munged $!" >> "$DIR/pids"
munge_ok() { munge -S "$SOCK" -n | unmunge -S "$SOCK"; }
wait_for 100 munge_ok || fail "munged did not start"

# 2. slurm.conf. Loopback-only listening needs the host name to resolve to loopback.
LOOPBACK_ONLY=""
case "$(getent hosts "$(hostname)" | awk '{print $1; exit}')" in
  127.*) LOOPBACK_ONLY="CommunicationParameters=NoCtldInAddrAny,NoInAddrAny" ;;
esac
cat > "$CONF" <<CONF
# drover's test cluster; written by tests/slurm/up.sh
ClusterName=drover-test
SlurmctldHost=localhost(127.0.0.1)
SlurmctldPort=$PORT
SlurmdPort=$((PORT + 1))
$LOOPBACK_ONLY
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$SOCK,cred_expire=10
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool
SlurmctldPidFile=$DIR/slurmctld.pid
SlurmdPidFile=$DIR/slurmd.pid
SlurmctldLogFile=$DIR/log/slurmctld.log
SlurmdLogFile=$DIR/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SwitchType=switch/none
MpiDefault=none
MailProg=/bin/true
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU_Memory
DefMemPerCPU=256
SchedulerType=sched/backfill
SchedulerParameters=batch_sched_delay=0,sched_interval=1,sched_min_interval=100000,bf_interval=1,default_queue_depth=2000
EnforcePartLimits=ALL
MinJobAge=300
MaxArraySize=10001
MaxJobCount=100000
ReturnToService=2
KillWait=5
InactiveLimit=0
SlurmdParameters=config_overrides
NodeName=localhost NodeAddr=127.0.0.1 NodeHostname=localhost CPUs=$CPUS RealMemory=$MEM_MB State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
CONF
printf 'export SLURM_CONF=%s\n' "$CONF" > "$DIR/env"
export SLURM_CONF="$CONF"

# 3. The controller, then the node daemon (named localhost whatever the host's name).
DROVER_SLURM_DAEMON="$DIR" slurmctld -D -i -f "$CONF" </dev/null >>"$DIR/log/slurmctld.out" 2>&1 &
echo "slurmctld $!" >> "$DIR/pids"
ctld_up() { scontrol ping | grep -q 'is UP'; }
wait_for 200 ctld_up || fail "slurmctld did not answer scontrol ping"
DROVER_SLURM_DAEMON="$DIR" slurmd -D -N localhost -f "$CONF" </dev/null >>"$DIR/log/slurmd.out" 2>&1 &
echo "slurmd $!" >> "$DIR/pids"
node_idle() { [ "$(sinfo -h -N -o %T | head -n 1)" = idle ]; }
wait_for 300 node_idle || fail "the node did not become idle"

# 4. A smoke job: the controller schedules nothing for its first seconds; once this
#    has run, jobs really run.
out=$(timeout 90 sbatch --parsable --wait -o /dev/null -e /dev/null -t 1 --wrap true 2>&1) ||
  fail "the smoke job did not run: $out"
echo "up.sh: Slurm is up in $DIR (SLURM_CONF=$CONF, $CPUS CPUs, port $PORT)"
