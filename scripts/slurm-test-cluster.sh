#!/usr/bin/env bash
# Starts a single-node Slurm cluster on this machine for the ensemble tests and CI
# (`cargo xtask test` runs it and then sets CNN_SLURM=1 for the Slurm test).
#
# Works without systemd: installs slurmctld, slurmd, slurm-client and munge with apt-get
# if they are missing, writes /etc/slurm/slurm.conf for one node (this host, all its
# CPUs), starts munged (as the munge user, after creating /run/munge), slurmctld and
# slurmd directly, and waits until the node is idle. No cgroups (proctrack/linuxproc,
# task/none) and no accounting database (poll `scontrol show job`, not sacct).
# Idempotent: does nothing if the cluster already answers. Needs root.
# Exit status: 0 when the cluster is up; 1 otherwise (with the reason on stderr).
set -euo pipefail

log() { echo "slurm-test-cluster: $*" >&2; }

if [ "$(id -u)" != 0 ]; then
    log "needs root (to install packages and start the daemons); run: sudo $0"
    exit 1
fi

node_ready() {
    command -v sinfo >/dev/null 2>&1 &&
        sinfo -h -o '%T' 2>/dev/null | grep -qE '^(idle|mixed|allocated|completing)'
}

if node_ready; then
    log "already running: $(sinfo -h -o '%N %T %c CPUs' | head -1)"
    exit 0
fi

missing=""
for cmd in slurmctld slurmd sbatch munged; do
    command -v "$cmd" >/dev/null 2>&1 || [ -x "/usr/sbin/$cmd" ] || missing="$missing $cmd"
done
if [ -n "$missing" ]; then
    log "installing slurmctld slurmd slurm-client munge (missing:$missing)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends slurmctld slurmd slurm-client munge >/dev/null
fi
export PATH="$PATH:/usr/sbin:/sbin"

host=$(hostname -s)
cpus=$(nproc)
mem_mb=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 * 9 / 10 ))

# munge: key, directories, daemon.
mkdir -p /etc/munge /run/munge /var/lib/munge /var/log/munge
if [ ! -s /etc/munge/munge.key ]; then
    dd if=/dev/urandom bs=1 count=1024 of=/etc/munge/munge.key status=none
fi
chown -R munge:munge /etc/munge /run/munge /var/lib/munge /var/log/munge
chmod 0700 /etc/munge
chmod 0400 /etc/munge/munge.key
chmod 0755 /run/munge
if ! pgrep -x munged >/dev/null; then
    runuser -u munge -- munged
fi

# Slurm config: one node, this host.
conf_dir=/etc/slurm
[ -d /etc/slurm-llnl ] && [ ! -d /etc/slurm ] && conf_dir=/etc/slurm-llnl
mkdir -p "$conf_dir" /var/spool/slurmctld /var/spool/slurmd /var/log/slurm
cat > "$conf_dir/slurm.conf" <<CONF
# Written by scripts/slurm-test-cluster.sh: a single-node test cluster.
ClusterName=cnn-test
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SlurmdParameters=config_overrides
ReturnToService=2
MailProg=/bin/true
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MinJobAge=600
NodeName=$host CPUs=$cpus Sockets=1 CoresPerSocket=$cpus ThreadsPerCore=1 RealMemory=$mem_mb State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF

pgrep -x slurmctld >/dev/null || slurmctld
pgrep -x slurmd >/dev/null || slurmd

for _ in $(seq 1 60); do
    if node_ready; then
        log "up: node $host, $cpus CPUs, partition debug"
        exit 0
    fi
    state=$(sinfo -h -o '%T' 2>/dev/null | head -1 || true)
    case "$state" in
        down*|drain*|unknown*|inval*) scontrol update nodename="$host" state=resume >/dev/null 2>&1 || true ;;
    esac
    sleep 0.5
done
log "the node did not become idle; last state: $(sinfo -h -o '%T %E' 2>&1 | head -1)"
log "see /var/log/slurm/slurmctld.log and /var/log/slurm/slurmd.log"
exit 1
