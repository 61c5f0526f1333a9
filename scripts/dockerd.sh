#!/usr/bin/env bash
# Private, network-less dockerd for hijack's real-daemon tests.
#
#   scripts/dockerd.sh start DIR   start dockerd on unix://DIR/docker.sock, import
#                                  image hijack-test/busybox, print the host URL
#                                  (last line of stdout)
#   scripts/dockerd.sh stop DIR    stop that dockerd (TERM, then KILL after 20 s),
#                                  unmount leftovers and remove DIR
#
# With HIJACK_DOCKERD_OWNER_PID=PID in the environment, `start` also leaves a small
# detached watchdog that runs `stop DIR` once PID has exited, so a test process that
# is killed before its teardown (e.g. a tap timeout) does not leak the daemon.
#
# With HIJACK_DOCKERD_TLS=PORT:CERTDIR the daemon also listens on tcp://127.0.0.1:PORT with
# --tlsverify, using CERTDIR/ca.pem, CERTDIR/server-cert.pem and CERTDIR/server-key.pem (loopback only).
#
# Network safety (see /work/shared/PROTOCOL.md section 9): the daemon listens on a
# unix socket only and always runs with --bridge=none --iptables=false
# --ip6tables=false --ip-masq=false, so no docker0 bridge or NAT rules are created.
# Containers must be created with network mode "none" by the caller.
#
# Keep DIR short (e.g. /tmp/hj-XXXXXX): unix socket paths must stay under 107
# bytes and containerd puts its sockets under the exec root (DIR/exec).
#
# Diagnostics go to stderr; only the host URL goes to stdout.
set -Eeuo pipefail

IMAGE=hijack-test/busybox
# -H must win over any ambient daemon selection.
unset DOCKER_HOST DOCKER_CONTEXT
BUSYBOX=/bin/busybox
START_TIMEOUT=60
STOP_TIMEOUT=20

log() { printf 'dockerd.sh: %s\n' "$*" >&2; }

# fail REASON: one-line reason (plus the tail of dockerd.log when there is one).
fail() {
  printf 'dockerd.sh: FAILED: %s\n' "$*" >&2
  if [[ -n "${DIR:-}" && -s "$DIR/dockerd.log" ]]; then
    printf -- '--- last lines of %s ---\n' "$DIR/dockerd.log" >&2
    tail -n 25 "$DIR/dockerd.log" >&2 || true
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
SOCK="$DIR/docker.sock"
HOST="unix://$SOCK"
PIDFILE="$DIR/docker.pid"
LAUNCHPID="$DIR/dockerd.launch.pid"

# docker CLI, never touching the user's ~/.docker or any other daemon.
dk() { DOCKER_CONFIG="$DIR/cli-config" DOCKER_CLI_HINTS=false docker -H "$HOST" "$@"; }
# dkt SECONDS ARGS...: dk with a time limit (for stop, where the daemon may hang).
dkt() { local s=$1; shift; DOCKER_CONFIG="$DIR/cli-config" DOCKER_CLI_HINTS=false timeout "$s" docker -H "$HOST" "$@"; }

ping_daemon() {
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
  command -v dockerd >/dev/null 2>&1 || missing+=(dockerd)
  command -v docker >/dev/null 2>&1 || missing+=(docker)
  [[ -x "$BUSYBOX" ]] || missing+=("$BUSYBOX")
  if [[ -x "$BUSYBOX" ]] && command -v ldd >/dev/null 2>&1 && ldd "$BUSYBOX" >/dev/null 2>&1; then
    missing+=("static $BUSYBOX")   # ldd succeeds only on dynamic executables
  fi
  [[ ${#missing[@]} -eq 0 ]] && return 0
  log "missing ${missing[*]}: installing docker.io busybox-static"
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io busybox-static; } >&2 \
    || fail "apt-get install docker.io busybox-static failed"
  command -v dockerd >/dev/null 2>&1 || fail "dockerd still missing after install"
  command -v docker >/dev/null 2>&1 || fail "docker CLI still missing after install"
  [[ -x "$BUSYBOX" ]] || fail "$BUSYBOX still missing after install"
}

build_image() {
  local root="$DIR/rootfs" applet
  rm -rf "$root"
  mkdir -p "$root/bin" "$root/etc" "$root/root" "$root/tmp" "$root/dev" "$root/proc" "$root/sys"
  chmod 1777 "$root/tmp"
  cp "$BUSYBOX" "$root/bin/busybox"
  chmod 0755 "$root/bin/busybox"
  # busybox --list prints bare applet names; link them all into /bin.
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
  tar -C "$root" -c . | dk import \
      --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
      --change 'CMD ["/bin/sh"]' \
      - "$IMAGE" >/dev/null \
    || fail "docker import of $IMAGE failed"
  rm -rf "$root"
}

# start_watchdog OWNER_PID: detached loop that stops this daemon when OWNER_PID is
# gone (and quits by itself once DIR has been removed by a normal stop).
start_watchdog() {
  local owner=$1 old
  [[ "$owner" =~ ^[0-9]+$ ]] || fail "HIJACK_DOCKERD_OWNER_PID is not a pid: $owner"
  old=$(cat "$DIR/watchdog.pid" 2>/dev/null || true)
  pid_alive "$old" && return 0
  setsid nohup bash -c '
    while kill -0 "$1" 2>/dev/null && [ -d "$3" ]; do sleep 1; done
    [ -d "$3" ] && exec "$2" stop "$3"
    exit 0' hj-dockerd-watchdog "$owner" "$SCRIPT" "$DIR" \
    </dev/null >>"$DIR/watchdog.log" 2>&1 &
  echo $! >"$DIR/watchdog.pid"
  log "watchdog pid $! stops the daemon when pid $owner exits"
}

start() {
  local t0=$SECONDS
  if (( ${#SOCK} > 100 )); then
    fail "socket path too long (${#SOCK} bytes, limit ~107): $SOCK"
  fi
  [[ $(id -u) -eq 0 ]] || fail "dockerd needs root (uid $(id -u)); rootless mode is not set up here"
  ensure_packages
  mkdir -p "$DIR"
  if pid_alive "$(cat "$PIDFILE" 2>/dev/null || true)" && ping_daemon; then
    log "dockerd already running for $DIR"
  else
    mkdir -p "$DIR/data" "$DIR/exec" "$DIR/cli-config"
    rm -f "$SOCK" "$PIDFILE"
    # Private daemon config: never pick up the host's /etc/docker/daemon.json (which
    # could add TCP listeners, a bridge, registry mirrors, ...), and keep the
    # identity key in DIR instead of creating /etc/docker/key.json (dockerd 20.10
    # has no command-line flag for that, only this config key).
    printf '{"deprecated-key-path": "%s"}\n' "$DIR/key.json" >"$DIR/daemon.json"
    local tls_args=()
    if [[ -n "${HIJACK_DOCKERD_TLS:-}" ]]; then
      local tls_port=${HIJACK_DOCKERD_TLS%%:*} tls_dir=${HIJACK_DOCKERD_TLS#*:}
      [[ "$tls_port" =~ ^[0-9]+$ ]] || fail "HIJACK_DOCKERD_TLS must be PORT:CERTDIR, got $HIJACK_DOCKERD_TLS"
      tls_args=(--host "tcp://127.0.0.1:$tls_port" --tlsverify --tlscacert "$tls_dir/ca.pem"
        --tlscert "$tls_dir/server-cert.pem" --tlskey "$tls_dir/server-key.pem")
    fi
    log "starting dockerd (log: $DIR/dockerd.log)"
    # Fully detached: own session, stdin from /dev/null, stdout/stderr to the log,
    # so the caller's pipes are not held open. Without job control the background
    # child is no process-group leader, so setsid execs dockerd in place and $! is
    # dockerd's pid (kept as a fallback in case dockerd dies before the pidfile).
    setsid nohup dockerd \
      --host "$HOST" "${tls_args[@]}" \
      --data-root "$DIR/data" \
      --exec-root "$DIR/exec" \
      --pidfile "$PIDFILE" \
      --config-file "$DIR/daemon.json" \
      --bridge=none --iptables=false --ip6tables=false --ip-masq=false \
      </dev/null >>"$DIR/dockerd.log" 2>&1 &
    local pid=$!
    echo "$pid" >"$LAUNCHPID"
    local deadline=$((SECONDS + START_TIMEOUT))
    until ping_daemon; do
      pid_alive "$pid" || fail "dockerd exited during startup"
      (( SECONDS < deadline )) || fail "dockerd did not answer /_ping within ${START_TIMEOUT}s"
      sleep 0.2
    done
    log "dockerd pid $pid is up after $((SECONDS - t0))s"
    # dockerd 20.10 uses a system containerd if /run/containerd/containerd.sock
    # exists, instead of its own managed one under DIR/exec; say so if that happened.
    grep -q 'started new containerd process' "$DIR/dockerd.log" \
      || log "WARNING: dockerd is using a shared system containerd, not a private one"
  fi
  if [[ -n "${HIJACK_DOCKERD_OWNER_PID:-}" ]]; then
    start_watchdog "$HIJACK_DOCKERD_OWNER_PID"
  fi
  if ! dk image inspect "$IMAGE" >/dev/null 2>&1; then
    log "importing $IMAGE"
    build_image
  fi
  log "ready after $((SECONDS - t0))s"
  echo "$HOST"
}

# Leftover daemon processes of ours: dockerd/containerd/shims whose command line
# names DIR (private to us). Matching on the executable name too keeps callers
# such as `bash -c "dockerd.sh stop DIR"` out of the list.
pids_under_dir() {
  local p comm cmdline
  for p in /proc/[0-9]*; do
    p=${p#/proc/}
    comm=$(cat "/proc/$p/comm" 2>/dev/null) || continue
    case "$comm" in dockerd|containerd|containerd-shim*|runc|docker-proxy) ;; *) continue ;; esac
    cmdline=$(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null) || continue
    [[ "$cmdline" == *"$DIR/"* ]] && echo "$p"
  done
  return 0
}

stop() {
  # Best effort from here on: report problems but always exit 0.
  trap - ERR
  set +e
  local t0=$SECONDS pid=""
  [[ -d "$DIR" ]] || { log "$DIR does not exist; nothing to stop"; exit 0; }
  pid=$(cat "$PIDFILE" 2>/dev/null || cat "$LAUNCHPID" 2>/dev/null || true)
  if pid_alive "$pid"; then
    # Force-remove leftover containers first: on TERM dockerd would otherwise stop
    # each one gracefully (10 s for a PID 1 that ignores SIGTERM, e.g. sleep).
    local ids
    ids=$(dkt 10 ps -aq 2>/dev/null || true)
    if [[ -n "$ids" ]]; then
      log "removing leftover containers: $(echo $ids)"
      dkt 30 rm -f $ids >/dev/null 2>&1 || true
    fi
    log "stopping dockerd pid $pid"
    kill -TERM "$pid" 2>/dev/null || true
    local deadline=$((SECONDS + STOP_TIMEOUT))
    while pid_alive "$pid" && (( SECONDS < deadline )); do sleep 0.1; done
    if pid_alive "$pid"; then
      log "dockerd pid $pid still alive after ${STOP_TIMEOUT}s; sending KILL"
      kill -KILL "$pid" 2>/dev/null || true
      sleep 0.5
    fi
  else
    log "no running dockerd recorded in $DIR"
  fi
  # The watchdog (unless we are it, after its exec) is no longer needed.
  local wpid
  wpid=$(cat "$DIR/watchdog.pid" 2>/dev/null)
  if [[ -n "$wpid" && "$wpid" != "$$" ]] && pid_alive "$wpid"; then
    # it is a session/group leader (setsid): take its `sleep 1` child along
    kill -TERM -- "-$wpid" 2>/dev/null || kill -TERM "$wpid" 2>/dev/null
  fi
  # Leftover containerd / shims started by this dockerd (their command lines name
  # DIR, which is private to us). TERM, then KILL.
  local left
  left=$(pids_under_dir)
  if [[ -n "$left" ]]; then
    log "terminating leftover processes under $DIR: $(echo $left)"
    kill -TERM $left 2>/dev/null || true
    sleep 1
    left=$(pids_under_dir)
    [[ -z "$left" ]] || kill -KILL $left 2>/dev/null || true
  fi
  # Unmount anything still mounted under DIR (overlay mounts, netns bind mounts),
  # deepest first, then remove DIR.
  local m
  if command -v findmnt >/dev/null 2>&1; then
    while IFS= read -r m; do
      [[ "$m" == "$DIR" || "$m" == "$DIR/"* ]] || continue
      umount -R "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || log "could not unmount $m"
    done < <(findmnt -rn -o TARGET | sort -r)
  else
    while IFS= read -r m; do
      [[ "$m" == "$DIR" || "$m" == "$DIR/"* ]] || continue
      umount -l "$m" 2>/dev/null || log "could not unmount $m"
    done < <(awk '{print $2}' /proc/self/mounts | sort -r)
  fi
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
