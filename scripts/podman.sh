#!/usr/bin/env bash
# Private, network-less podman API service for hijack's real-daemon tests.
#
#   scripts/podman.sh start DIR   start `podman system service` on unix://DIR/podman.sock,
#                                 import image hijack-test/busybox, print the host URL
#                                 (last line of stdout)
#   scripts/podman.sh stop DIR    remove its containers, stop the service (TERM, then
#                                 KILL after 20 s), end leftover conmon / cleanup
#                                 processes, unmount leftovers and remove DIR
#
# With HIJACK_PODMAN_OWNER_PID=PID in the environment, `start` also leaves a small
# detached watchdog that runs `stop DIR` once PID has exited (as scripts/dockerd.sh).
#
# Nothing global is touched: storage (--root), run state (--runroot), podman's tmp
# dir, lock files (lock_type "file", not the host-wide /dev/shm/libpod_lock), network
# configs, the blob info cache and every config file (CONTAINERS_CONF,
# CONTAINERS_STORAGE_CONF, CONTAINERS_REGISTRIES_CONF, XDG_*) live in DIR. The
# registries file lists no registry and disables short names, so no registry or DNS
# lookup can happen; the image is imported from a local tarball. Two known exceptions, found after
# the fact and not yet configurable here: an image import writes the host-wide blob info cache
# /var/lib/containers/cache/blob-info-cache-v1.boltdb, and podman creates the empty directory
# /run/containers/networks. runc keeps a container's state in /run/runc/ID until it is removed.
#
# Network safety (see /work/shared/PROTOCOL.md section 9): the service listens on a
# unix socket only. Podman's compat API maps NetworkMode ""/"default" to a bridge:
# the caller must create every container with network mode "none".
#
# Root here lacks CAP_SYS_RESOURCE: without default_ulimits below every container
# start fails with "error setting rlimit type 7".
#
# Diagnostics go to stderr; only the host URL goes to stdout.
set -Eeuo pipefail

IMAGE=hijack-test/busybox
unset DOCKER_HOST DOCKER_CONTEXT CONTAINER_HOST CONTAINER_CONNECTION
BUSYBOX=/bin/busybox
START_TIMEOUT=60
STOP_TIMEOUT=20

log() { printf 'podman.sh: %s\n' "$*" >&2; }

fail() {
  printf 'podman.sh: FAILED: %s\n' "$*" >&2
  if [[ -n "${DIR:-}" && -s "$DIR/podman.log" ]]; then
    printf -- '--- last lines of %s ---\n' "$DIR/podman.log" >&2
    tail -n 25 "$DIR/podman.log" >&2 || true
    printf -- '--- end ---\n' >&2
  fi
  exit 1
}

usage() { echo "usage: $0 start|stop DIR" >&2; exit 2; }
trap 'fail "command failed (line $LINENO): $BASH_COMMAND"' ERR

[[ $# -eq 2 ]] || usage
CMD=$1
DIR=$2
[[ -n "$DIR" ]] || usage
case "$DIR" in /*) ;; *) DIR="$PWD/$DIR" ;; esac
DIR=${DIR%/}
[[ "$DIR" != "" && "$DIR" != "/" ]] || fail "refusing to use / as DIR"

SCRIPT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")"
SOCK="$DIR/podman.sock"
HOST="unix://$SOCK"
PIDFILE="$DIR/podman.pid"

# Every podman and docker CLI call sees only DIR's files.
export CONTAINERS_CONF="$DIR/etc/containers.conf"
export CONTAINERS_STORAGE_CONF="$DIR/etc/storage.conf"
export CONTAINERS_REGISTRIES_CONF="$DIR/etc/registries.conf"
export XDG_CONFIG_HOME="$DIR/xdg/config" XDG_DATA_HOME="$DIR/xdg/data" XDG_RUNTIME_DIR="$DIR/xdg/run"

# The global options the service runs with (conmon's cleanup commands inherit them).
podman_flags() {
  printf '%s\n' --root "$DIR/root" --runroot "$DIR/run" --tmpdir "$DIR/tmp" \
    --storage-driver overlay --cgroup-manager cgroupfs --events-backend file \
    --network-config-dir "$DIR/net"
}
pm() { local f; mapfile -t f < <(podman_flags); podman "${f[@]}" "$@"; }
# docker CLI against the service, never touching the user's ~/.docker.
dk() { DOCKER_CONFIG="$DIR/cli-config" DOCKER_CLI_HINTS=false docker -H "$HOST" "$@"; }
dkt() { local s=$1; shift; DOCKER_CONFIG="$DIR/cli-config" DOCKER_CLI_HINTS=false timeout "$s" docker -H "$HOST" "$@"; }

ping_service() {
  if command -v curl >/dev/null 2>&1; then
    # --unix-socket: the URL's host name is never resolved or contacted.
    [[ "$(curl -sS --max-time 2 --unix-socket "$SOCK" http://localhost/_ping 2>/dev/null)" == OK ]]
  else
    dk version >/dev/null 2>&1
  fi
}

pid_alive() { [[ -n "${1:-}" ]] && kill -0 "$1" 2>/dev/null; }

ensure_packages() {
  local missing=()
  command -v podman >/dev/null 2>&1 || missing+=(podman)
  command -v runc >/dev/null 2>&1 || missing+=(runc)   # containers.conf names runc (crun is not installed here)
  command -v docker >/dev/null 2>&1 || missing+=(docker.io)
  [[ -x "$BUSYBOX" ]] || missing+=(busybox-static)
  [[ ${#missing[@]} -eq 0 ]] && return 0
  log "missing ${missing[*]}: installing"
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >&2 \
    || fail "apt-get install ${missing[*]} failed"
  command -v podman >/dev/null 2>&1 || fail "podman still missing after install"
  command -v docker >/dev/null 2>&1 || fail "docker CLI still missing after install"
  [[ -x "$BUSYBOX" ]] || fail "$BUSYBOX still missing after install"
}

write_configs() {
  mkdir -p "$DIR/etc" "$DIR/root" "$DIR/run" "$DIR/tmp" "$DIR/net" "$DIR/cli-config" \
    "$XDG_CONFIG_HOME" "$XDG_DATA_HOME" "$XDG_RUNTIME_DIR"
  chmod 0700 "$XDG_RUNTIME_DIR"
  cat >"$CONTAINERS_CONF" <<EOF
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
netns = "none"
log_driver = "k8s-file"

[network]
network_config_dir = "$DIR/net"

[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$DIR/tmp/events.log"
lock_type = "file"
runtime = "runc"
tmp_dir = "$DIR/tmp"
static_dir = "$DIR/root/libpod"
volume_path = "$DIR/root/volumes"
# Podman's default (300 s, Docker's exec cleanup time): kept, since that is what users get.
exit_command_delay = 300
EOF
  cat >"$CONTAINERS_STORAGE_CONF" <<EOF
[storage]
driver = "overlay"
graphroot = "$DIR/root"
runroot = "$DIR/run"
EOF
  cat >"$CONTAINERS_REGISTRIES_CONF" <<'EOF'
unqualified-search-registries = []
short-name-mode = "disabled"
EOF
}

build_image() {
  local root="$DIR/rootfs" applet
  rm -rf "$root"
  mkdir -p "$root/bin" "$root/etc" "$root/root" "$root/tmp" "$root/dev" "$root/proc" "$root/sys"
  chmod 1777 "$root/tmp"
  cp "$BUSYBOX" "$root/bin/busybox"
  chmod 0755 "$root/bin/busybox"
  while IFS= read -r applet; do
    [[ -n "$applet" && "$applet" != busybox && "$applet" != */* ]] || continue
    ln -sf busybox "$root/bin/$applet"
  done < <("$BUSYBOX" --list)
  [[ -e "$root/bin/sh" ]] || fail "busybox --list did not include sh"
  cat >"$root/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
EOF
  cat >"$root/etc/group" <<'EOF'
root:x:0:
nogroup:x:65534:
EOF
  # Through the compat API, as a Docker user would (POST /images/create?fromSrc=-).
  tar -C "$root" -c . | dk import \
      --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
      --change 'CMD ["/bin/sh"]' \
      - "$IMAGE" >/dev/null \
    || fail "docker import of $IMAGE into podman failed"
  rm -rf "$root"
}

start_watchdog() {
  local owner=$1 old
  [[ "$owner" =~ ^[0-9]+$ ]] || fail "HIJACK_PODMAN_OWNER_PID is not a pid: $owner"
  old=$(cat "$DIR/watchdog.pid" 2>/dev/null || true)
  pid_alive "$old" && return 0
  setsid nohup bash -c '
    while kill -0 "$1" 2>/dev/null && [ -d "$3" ]; do sleep 1; done
    [ -d "$3" ] && exec "$2" stop "$3"
    exit 0' hj-podman-watchdog "$owner" "$SCRIPT" "$DIR" \
    </dev/null >>"$DIR/watchdog.log" 2>&1 &
  echo $! >"$DIR/watchdog.pid"
  log "watchdog pid $! stops the service when pid $owner exits"
}

start() {
  local t0=$SECONDS
  (( ${#SOCK} <= 100 )) || fail "socket path too long (${#SOCK} bytes, limit ~107): $SOCK"
  [[ $(id -u) -eq 0 ]] || fail "podman.sh needs root (uid $(id -u)); rootless podman is not set up here"
  ensure_packages
  mkdir -p "$DIR"
  if pid_alive "$(cat "$PIDFILE" 2>/dev/null || true)" && ping_service; then
    log "podman service already running for $DIR"
  else
    rm -f "$SOCK" "$PIDFILE"
    write_configs
    log "starting podman system service (log: $DIR/podman.log)"
    local f
    mapfile -t f < <(podman_flags)
    # Detached as in dockerd.sh: setsid execs podman in place, so $! is its pid.
    setsid nohup podman "${f[@]}" --log-level info system service --time=0 "$HOST" \
      </dev/null >>"$DIR/podman.log" 2>&1 &
    local pid=$!
    echo "$pid" >"$PIDFILE"
    local deadline=$((SECONDS + START_TIMEOUT))
    until ping_service; do
      pid_alive "$pid" || fail "podman system service exited during startup"
      (( SECONDS < deadline )) || fail "podman did not answer /_ping within ${START_TIMEOUT}s"
      sleep 0.2
    done
    log "podman service pid $pid is up after $((SECONDS - t0))s"
  fi
  if [[ -n "${HIJACK_PODMAN_OWNER_PID:-}" ]]; then
    start_watchdog "$HIJACK_PODMAN_OWNER_PID"
  fi
  if ! dk image inspect "$IMAGE" >/dev/null 2>&1; then
    log "importing $IMAGE"
    build_image
  fi
  log "ready after $((SECONDS - t0))s"
  echo "$HOST"
}

# Our leftover processes: podman (the service, `container cleanup` exit commands),
# conmon and runc whose command line names DIR (private to us).
pids_under_dir() {
  local p comm cmdline
  for p in /proc/[0-9]*; do
    p=${p#/proc/}
    [[ "$p" != "$$" ]] || continue
    # `read`, not $(cat): no fork per process on a busy machine.
    { read -r comm <"/proc/$p/comm"; } 2>/dev/null || continue
    case "$comm" in podman|conmon|runc) ;; *) continue ;; esac
    cmdline=$(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null) || continue
    [[ "$cmdline" == *"$DIR/"* ]] && echo "$p"
  done
  return 0
}

# Processes inside our containers' cgroups (a container whose conmon is gone).
pids_in_our_cgroups() {
  local id f
  for id in $(ls "$DIR/run/overlay-containers" 2>/dev/null); do
    [[ "$id" =~ ^[0-9a-f]{64}$ ]] || continue
    for f in /sys/fs/cgroup/pids/libpod_parent/libpod-"$id"/cgroup.procs \
             /sys/fs/cgroup/libpod_parent/libpod-"$id"/cgroup.procs; do
      [[ -r "$f" ]] && cat "$f"
    done
  done 2>/dev/null
  return 0
}

stop() {
  trap - ERR
  set +e
  local t0=$SECONDS pid=""
  [[ -d "$DIR" ]] || { log "$DIR does not exist; nothing to stop"; exit 0; }
  pid=$(cat "$PIDFILE" 2>/dev/null || true)
  if pid_alive "$pid"; then
    local ids
    ids=$(dkt 10 ps -aq 2>/dev/null || true)
    if [[ -n "$ids" ]]; then
      log "removing leftover containers: $(echo $ids)"
      dkt 30 rm -f $ids >/dev/null 2>&1 || true
    fi
    log "stopping podman service pid $pid ($((SECONDS - t0))s)"
    kill -TERM "$pid" 2>/dev/null || true
    local deadline=$((SECONDS + STOP_TIMEOUT))
    while pid_alive "$pid" && (( SECONDS < deadline )); do sleep 0.1; done
    if pid_alive "$pid"; then
      log "podman pid $pid still alive after ${STOP_TIMEOUT}s; sending KILL"
      kill -KILL "$pid" 2>/dev/null || true
      sleep 0.5
    fi
  else
    log "no running podman service recorded in $DIR"
  fi
  local wpid
  wpid=$(cat "$DIR/watchdog.pid" 2>/dev/null)
  if [[ -n "$wpid" && "$wpid" != "$$" ]] && pid_alive "$wpid"; then
    kill -TERM -- "-$wpid" 2>/dev/null || kill -TERM "$wpid" 2>/dev/null
  fi
  # Exec sessions leave conmon (and its delayed cleanup command) for exit_command_delay
  # (300 s); a killed service leaves containers. All name DIR or sit in our cgroups.
  local left
  left="$(pids_under_dir) $(pids_in_our_cgroups)"
  if [[ -n "${left// /}" ]]; then
    log "terminating leftover processes of $DIR: $(echo $left) ($((SECONDS - t0))s)"
    kill -TERM $left 2>/dev/null || true
    sleep 1
    left="$(pids_under_dir) $(pids_in_our_cgroups)"
    [[ -z "${left// /}" ]] || kill -KILL $left 2>/dev/null || true
  fi
  # Our containers' empty cgroups (cgroupfs manager: libpod_parent/libpod-ID, per hierarchy), and
  # runc's state for them (podman 4.3 keeps it in the host-wide /run/runc/ID; removal normally clears it).
  local id d
  for id in $(ls "$DIR/run/overlay-containers" 2>/dev/null); do
    [[ "$id" =~ ^[0-9a-f]{64}$ ]] || continue
    [[ -d "/run/runc/$id" ]] && rm -rf "/run/runc/$id"
    for d in /sys/fs/cgroup/*/libpod_parent/libpod-"$id" /sys/fs/cgroup/libpod_parent/libpod-"$id"; do
      [[ -d "$d" ]] && { rmdir "$d"/*/ 2>/dev/null; rmdir "$d" 2>/dev/null; }
    done
  done
  local m
  while IFS= read -r m; do
    [[ "$m" == "$DIR" || "$m" == "$DIR/"* ]] || continue
    umount -R "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || log "could not unmount $m"
  done < <(awk '{print $2}' /proc/self/mounts | sort -r)
  if rm -rf "$DIR" 2>/dev/null; then
    log "stopped and removed $DIR after $((SECONDS - t0))s"
  else
    log "WARNING: could not fully remove $DIR"
  fi
  exit 0
}

case "$CMD" in
  start) start ;;
  stop) stop ;;
  *) usage ;;
esac
