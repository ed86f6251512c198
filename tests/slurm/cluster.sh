#!/usr/bin/env bash
# A real one-node SLURM (Debian's slurmctld, slurmd and munge, 22.05) on 127.0.0.1 for tests.
#
#   cluster.sh install        install the Debian packages if missing (needs root)
#   cluster.sh up STATE_DIR   start munged, slurmctld and slurmd; wait until the node is idle
#   cluster.sh down STATE_DIR stop the daemons this script started, by PID; remove its config
#
# The node has partitions `cpu` (default) and `gpu` and two fake GPUs (gres gpu:fake:2, device
# files are symlinks to /dev/null). The config must be /etc/slurm/slurm.conf: the jobstep plugin
# strips SLURM_* variables (SLURM_CONF among them) before its inner srun. A file there that this
# script did not write is never touched. There is no slurmdbd, so `sacct` does not work: the
# profile checks job states with squeue, and MinJobAge keeps finished jobs visible for 10 min.
set -euo pipefail

CONF_DIR=/etc/slurm
MARK="# written by valueprefs tests/slurm/cluster.sh"
PACKAGES=(slurmctld slurmd slurm-client munge)

die() { echo "cluster.sh: $*" >&2; exit 1; }

install_packages() {
    if command -v slurmctld >/dev/null && command -v slurmd >/dev/null \
        && command -v sbatch >/dev/null && command -v munged >/dev/null; then
        return 0
    fi
    [ "$(id -u)" = 0 ] || die "SLURM is not installed and installing it needs root: apt-get install ${PACKAGES[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${PACKAGES[@]}" >/dev/null
}

write_config() {
    local state=$1 cpus memory
    cpus=$(nproc)
    memory=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 - 1024 ))
    if [ -e "$CONF_DIR/slurm.conf" ] && ! head -1 "$CONF_DIR/slurm.conf" | grep -qF "$MARK"; then
        die "$CONF_DIR/slurm.conf exists and was not written by this script; refusing to replace it"
    fi
    mkdir -p "$CONF_DIR" "$state/ctld" "$state/d" "$state/dev" "$state/log"
    ln -sf /dev/null "$state/dev/nvidia0"
    ln -sf /dev/null "$state/dev/nvidia1"
    cat > "$CONF_DIR/slurm.conf" <<CONF
$MARK
ClusterName=valueprefs
SlurmctldHost=localhost(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=$state/ctld
SlurmdSpoolDir=$state/d
SlurmctldPidFile=$state/slurmctld.pid
SlurmdPidFile=$state/slurmd.pid
SlurmctldLogFile=$state/log/slurmctld.log
SlurmdLogFile=$state/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
SchedulerType=sched/backfill
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
GresTypes=gpu
ReturnToService=2
MinJobAge=600
DefMemPerCPU=1024
KillWait=5
InactiveLimit=0
SlurmctldTimeout=30
SlurmdTimeout=30
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$memory Gres=gpu:fake:2 State=UNKNOWN
PartitionName=cpu Nodes=localhost Default=YES MaxTime=INFINITE State=UP
PartitionName=gpu Nodes=localhost MaxTime=INFINITE State=UP
CONF
    cat > "$CONF_DIR/gres.conf" <<CONF
$MARK
NodeName=localhost Name=gpu Type=fake File=$state/dev/nvidia[0-1]
CONF
}

start_daemon() {  # name, pid file, command...
    local name=$1 pidfile=$2
    shift 2
    "$@" >"$STATE/log/$name.out" 2>&1 &
    echo $! > "$pidfile"
}

wait_for() {  # seconds, description, command...
    local seconds=$1 what=$2
    shift 2
    for _ in $(seq "$((seconds * 4))"); do
        if "$@" >/dev/null 2>&1; then return 0; fi
        sleep 0.25
    done
    die "$what did not come up within ${seconds}s (logs in $STATE/log)"
}

up() {
    install_packages
    if [ -f "$CONF_DIR/slurm.conf" ] && timeout 5 scontrol ping 2>/dev/null | grep -q UP; then
        die "a SLURM controller already answers on this machine; stop it first (cluster.sh down DIR)"
    fi
    write_config "$STATE"
    [ -s /etc/munge/munge.key ] || { mungekey --create --keyfile /etc/munge/munge.key; chown munge:munge /etc/munge/munge.key; }
    mkdir -p /run/munge && chown munge:munge /run/munge
    if ! munge -n </dev/null >/dev/null 2>&1; then
        start_daemon munged "$STATE/munged.pid" runuser -u munge -- munged --foreground
        wait_for 10 munged sh -c 'munge -n </dev/null | unmunge'
    fi
    start_daemon slurmctld "$STATE/ctld.pid" slurmctld -D -i
    wait_for 20 slurmctld scontrol ping
    start_daemon slurmd "$STATE/slurmd.pid.run" slurmd -D -N localhost
    wait_for 30 "the node" sh -c 'sinfo -h -N -o %t | grep -qE "^(idle|mix|alloc)"'
    echo "SLURM is up: $(sinfo -h -o '%P %D %t %G' | tr '\n' ';')"
}

down() {
    # All three are asked to stop at once (munged alone takes about 4 s), then given 10 s in all.
    local pidfile pid pids=()
    for pidfile in "$STATE/slurmd.pid.run" "$STATE/ctld.pid" "$STATE/munged.pid"; do
        [ -f "$pidfile" ] || continue
        pids+=("$(cat "$pidfile")")
        kill "${pids[-1]}" 2>/dev/null || true
        rm -f "$pidfile"
    done
    for pid in "${pids[@]}"; do
        for _ in $(seq 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
        kill -9 "$pid" 2>/dev/null || true
    done
    # A job's processes can outlive the daemons (a cancelled job's Snakemake may hang on its
    # way out, reparented to init): end every process a job of this cluster started.
    local environ
    for environ in /proc/[0-9]*/environ; do
        if grep -qxza "SLURM_CLUSTER_NAME=valueprefs" "$environ" 2>/dev/null; then
            pid=${environ#/proc/}
            kill -9 "${pid%/environ}" 2>/dev/null || true
        fi
    done
    # Without a controller, SLURM clients given this config retry for 9 s per call (and
    # Snakemake's SLURM plugin calls them at every start); without a config they fail at once.
    for conf in "$CONF_DIR/slurm.conf" "$CONF_DIR/gres.conf"; do
        if [ -f "$conf" ] && head -1 "$conf" | grep -qF "$MARK"; then rm -f "$conf"; fi
    done
}

case "${1:-}" in
    install) install_packages ;;
    up) [ $# = 2 ] || die "usage: cluster.sh up STATE_DIR"; STATE=$(realpath -m "$2"); mkdir -p "$STATE/log"; up ;;
    down) [ $# = 2 ] || die "usage: cluster.sh down STATE_DIR"; STATE=$(realpath -m "$2"); down ;;
    *) die "usage: cluster.sh install | up STATE_DIR | down STATE_DIR" ;;
esac
