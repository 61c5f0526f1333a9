#!/usr/bin/env bash
# A real three-node Docker Swarm for hijack's tests, sealed inside network namespaces.
#
#   scripts/swarm.sh up [DIR]     start it; prints, one per line:
#                                   MANAGER=unix://DIR/hijack-node1/docker.sock
#                                   NODE <hostname> unix://DIR/<hostname>/docker.sock   (three lines:
#                                     hijack-node1..3; so `unix://DIR/{hostname}/docker.sock` names any node)
#                                   CLIENT_NETNS=<name>   (a namespace on the same bridge, for TCP cases)
#   scripts/swarm.sh down [DIR]   stop everything `up` started and remove it; safe to run twice and
#                                 after a failed `up`; exits 1 only if something could not be removed
#
# DIR is the argument, else HIJACK_SWARM_DIR, else /tmp/hijack-swarm. Keep it short: unix socket
# paths must stay under 107 bytes and containerd puts its sockets under DIR/<hostname>/exec.
# With HIJACK_SWARM_OWNER_PID=PID, `up` leaves a detached watchdog that runs `down DIR` once PID has
# exited (like scripts/dockerd.sh's HIJACK_DOCKERD_OWNER_PID), so a killed test leaks nothing.
#
# Network safety (see PROTOCOL.md section 9), the reason for most of what follows:
# - every dockerd runs in a network namespace of its own, joined by a veth pair to a bridge in a hub
#   namespace; the veths are created inside the hub and node namespaces, never in the root one;
# - addresses are in 10.231.0.0/24 and exist only inside those namespaces; no namespace has a default
#   route, so nothing can leave; nothing here ever dials a 10.231 address from the root namespace;
# - each dockerd: --bridge=none --iptables=false --ip6tables=false --ip-masq=false --tls=false, a unix
#   control socket in DIR (the only thing that crosses from the root namespace) and
#   tcp://10.231.0.N:2375, which exists inside its namespace only;
# - services use --network host (the node's sealed namespace) and --no-resolve-image, and the daemons
#   prefer the offline image (DOCKER_SERVICE_PREFER_OFFLINE_IMAGE=1): no registry, no DNS;
# - `up` compares the root namespace's links, addresses and routes before and after and fails loudly
#   if anything was added there.
#
# Diagnostics go to stderr; only the lines above go to stdout.
set -Eeuo pipefail

IMAGE=hijack-test/busybox
SERVICE=hijack-web
NODES=(1 2 3)
CLIENT_ADDR=10.231.0.100
SUBNET_PREFIX=10.231.0
# Marks a folder made by `up`: only such a folder is ever removed.
MARKER=.hijack-swarm
BUSYBOX=/bin/busybox
START_TIMEOUT=120
TASK_TIMEOUT=120
STOP_TIMEOUT=20
unset DOCKER_HOST DOCKER_CONTEXT DOCKER_TLS_VERIFY DOCKER_CERT_PATH

log() { printf 'swarm.sh: %s\n' "$*" >&2; }
usage() { echo "usage: $0 up|down [DIR]  (DIR defaults to \$HIJACK_SWARM_DIR, else /tmp/hijack-swarm)" >&2; exit 2; }

[[ $# -ge 1 && $# -le 2 ]] || usage
CMD=$1
DIR=${2:-${HIJACK_SWARM_DIR:-/tmp/hijack-swarm}}
case "$DIR" in /*) ;; *) DIR="$PWD/$DIR" ;; esac
DIR=${DIR%/}
[[ -n "$DIR" && "$DIR" != / && "$DIR" != /tmp ]] || { echo "swarm.sh: refusing DIR $DIR" >&2; exit 2; }
SCRIPT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")"

# Namespace names derive from DIR, so `down` finds them even when `up` died before writing anything,
# and two swarms in two folders never share one.
TAG=$(printf '%s' "$DIR" | sha256sum | cut -c1-8)
NS_HUB="hjsw-$TAG-hub"
NS_CLIENT="hjsw-$TAG-client"
ns_node() { echo "hjsw-$TAG-n$1"; }
all_netns() { echo "$NS_HUB" "$NS_CLIENT"; for n in "${NODES[@]}"; do ns_node "$n"; done; }
node_dir() { echo "$DIR/$(node_hostname "$1")"; }
node_sock() { echo "$(node_dir "$1")/docker.sock"; }
node_hostname() { echo "hijack-node$1"; }

# dk N ARGS...: the docker CLI against node N's unix socket, never the user's config or daemon.
dk() { local n=$1; shift; DOCKER_CONFIG="$DIR/cli-config" DOCKER_CLI_HINTS=false docker -H "unix://$(node_sock "$n")" "$@"; }
dkt() { local s=$1 n=$2; shift 2; DOCKER_CONFIG="$DIR/cli-config" DOCKER_CLI_HINTS=false timeout "$s" docker -H "unix://$(node_sock "$n")" "$@"; }
# --unix-socket: the URL's host name is never resolved or contacted.
api() { curl -sS --max-time 5 --unix-socket "$(node_sock "$1")" "http://localhost$2"; }
ping_node() { [[ "$(api "$1" /_ping 2>/dev/null)" == OK ]]; }
pid_alive() { [[ -n "${1:-}" ]] && kill -0 "$1" 2>/dev/null; }

# What the root network namespace has: links (name and kind), addresses and routes, sorted.
root_net_state() {
  {
    ip -o link show | awk -F': ' '{print "link " $2}' | sed 's/@.*//'
    ip -o addr show | awk '{print "addr " $2 " " $4}'
    ip route show table all | sed 's/^/route /'
    ip -6 route show table all 2>/dev/null | sed 's/^/route6 /'
  } | sort -u
}

# ----------------------------------------------------------------------------------------------- up

up_fail() {
  printf 'swarm.sh: FAILED: %s\n' "$*" >&2
  local n
  for n in "${NODES[@]}"; do
    local f; f="$(node_dir "$n")/dockerd.log"
    [[ -s "$f" ]] || continue
    printf -- '--- last lines of %s ---\n' "$f" >&2
    tail -n 15 "$f" >&2 || true
  done
  log "cleaning up after the failed up"
  "$SCRIPT" down "$DIR" >&2 || true
  exit 1
}

check_tools() {
  [[ $(id -u) -eq 0 ]] || { log "needs root (network namespaces, dockerd)"; exit 1; }
  local t missing=()
  for t in ip unshare chroot dockerd docker curl sha256sum setsid timeout; do
    command -v "$t" >/dev/null 2>&1 || missing+=("$t")
  done
  [[ -x "$BUSYBOX" ]] || missing+=("$BUSYBOX (busybox-static)")
  [[ ${#missing[@]} -eq 0 ]] || { log "missing: ${missing[*]}"; exit 1; }
  grep -q ' /sys/fs/cgroup/devices cgroup ' /proc/self/mounts || { log "expects cgroup v1 (no devices hierarchy at /sys/fs/cgroup/devices)"; exit 1; }
}

make_network() {
  ip netns add "$NS_HUB"
  ip -n "$NS_HUB" link set lo up
  ip -n "$NS_HUB" link add br0 type bridge
  ip -n "$NS_HUB" link set br0 up
  local n ns addr i=0
  for n in "${NODES[@]}" client; do
    i=$((i + 1))
    if [[ $n == client ]]; then ns=$NS_CLIENT addr=$CLIENT_ADDR; else ns=$(ns_node "$n") addr=$SUBNET_PREFIX.$n; fi
    ip netns add "$ns"
    ip -n "$ns" link set lo up
    # Both ends are born in namespaces of ours: the root namespace never sees this veth.
    ip -n "$NS_HUB" link add "veth$i" type veth peer name eth0 netns "$ns"
    ip -n "$NS_HUB" link set "veth$i" master br0 up
    ip -n "$ns" addr add "$addr/24" dev eth0
    ip -n "$ns" link set eth0 up
  done
  for ns in $(all_netns); do
    if ip -n "$ns" route show default | grep -q .; then up_fail "namespace $ns has a default route"; fi
  done
  log "namespaces $(all_netns | tr ' ' ',') made, none with a default route"
}

# The shell lines that recreate the root's cgroup v1 mounts: `ip netns exec` mounts a fresh /sys in
# its own mount namespace, which hides them ("Devices cgroup isn't mounted" otherwise).
cgroup_mounts() {
  echo 'mount -t tmpfs -o mode=755 cgroup_root /sys/fs/cgroup'
  awk '$2 ~ "^/sys/fs/cgroup/" && ($3 == "cgroup" || $3 == "cgroup2") {
         printf "mkdir -p %s && mount -t %s -o %s %s %s\n", $2, $3, $4, $3, $2 }' /proc/self/mounts
}

start_node() {
  local n=$1 dir sock ns
  dir=$(node_dir "$n") sock=$(node_sock "$n") ns=$(ns_node "$n")
  (( ${#sock} <= 100 )) || up_fail "socket path too long (${#sock} bytes): $sock"
  mkdir -p "$dir/data" "$dir/exec"
  # Never the host's /etc/docker/daemon.json, and the identity key stays in DIR (see dockerd.sh).
  printf '{"deprecated-key-path": "%s"}\n' "$dir/key.json" >"$dir/daemon.json"
  local inner
  inner="set -e
hostname $(node_hostname "$n")
$(cgroup_mounts)
export DOCKER_SERVICE_PREFER_OFFLINE_IMAGE=1
exec dockerd --host unix://$sock --host tcp://$SUBNET_PREFIX.$n:2375 --tls=false \\
  --data-root $dir/data --exec-root $dir/exec --pidfile $dir/docker.pid --config-file $dir/daemon.json \\
  --bridge=none --iptables=false --ip6tables=false --ip-masq=false"
  # ip netns exec, unshare (no --fork) and sh all exec in place, and setsid does too when it is not a
  # group leader: $! is dockerd's pid, kept in case dockerd dies before writing its pidfile.
  setsid nohup ip netns exec "$ns" unshare --uts sh -c "$inner" </dev/null >>"$dir/dockerd.log" 2>&1 &
  echo $! >"$dir/launch.pid"
}

wait_node() {
  local n=$1 dir pid deadline
  dir=$(node_dir "$n")
  pid=$(cat "$dir/launch.pid")
  deadline=$((SECONDS + START_TIMEOUT))
  until ping_node "$n"; do
    pid_alive "$pid" || up_fail "dockerd of node $n exited during startup"
    (( SECONDS < deadline )) || up_fail "dockerd of node $n did not answer /_ping within ${START_TIMEOUT}s"
    sleep 0.2
  done
  # dockerd 20.10 would use a system containerd at /run/containerd/containerd.sock if there were one.
  grep -q 'started new containerd process' "$dir/dockerd.log" || up_fail "node $n is not using a containerd of its own"
}

import_image() {
  local root="$DIR/rootfs"
  rm -rf "$root"
  mkdir -p "$root/bin" "$root/etc" "$root/root" "$root/tmp" "$root/dev" "$root/proc" "$root/sys"
  chmod 1777 "$root/tmp"
  cp "$BUSYBOX" "$root/bin/busybox"
  # One process for all ~270 applet links (a fork each takes ~16 s on a loaded machine); inside the
  # chroot they point at /bin/busybox, which is where the image has it.
  chroot "$root" /bin/busybox --install -s /bin || up_fail "busybox --install in the image rootfs failed"
  [[ -L "$root/bin/sh" && -L "$root/bin/sleep" && -L "$root/bin/hostname" ]] || up_fail "busybox --install made no sh/sleep/hostname"
  printf 'root:x:0:0:root:/root:/bin/sh\n' >"$root/etc/passwd"
  printf 'root:x:0:\n' >"$root/etc/group"
  tar -C "$root" -c . | dk 1 import --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["/bin/sh"]' - "$IMAGE" >/dev/null || up_fail "docker import on node 1 failed"
  rm -rf "$root"
  local n
  for n in "${NODES[@]:1}"; do
    dk 1 save "$IMAGE" | dk "$n" load >/dev/null || up_fail "copying $IMAGE to node $n failed"
  done
}

make_swarm() {
  dk 1 swarm init --advertise-addr "$SUBNET_PREFIX.1" --listen-addr "$SUBNET_PREFIX.1:2377" >/dev/null \
    || up_fail "swarm init failed"
  local token n
  token=$(dk 1 swarm join-token -q worker)
  for n in "${NODES[@]:1}"; do
    # node n's dockerd dials the manager from inside its own namespace
    dk "$n" swarm join --token "$token" --advertise-addr "$SUBNET_PREFIX.$n" --listen-addr "$SUBNET_PREFIX.$n:2377" \
      "$SUBNET_PREFIX.1:2377" >/dev/null || up_fail "node $n could not join the swarm"
  done
  dk 1 service create --detach --quiet --name "$SERVICE" --replicas 3 --replicas-max-per-node 1 \
    --no-resolve-image --network host "$IMAGE" sleep 1000000 >/dev/null || up_fail "service create failed"
  local deadline=$((SECONDS + TASK_TIMEOUT)) running
  while :; do
    # one line per running task: its node
    running=$(dk 1 service ps --filter desired-state=running --format '{{.Node}} {{.CurrentState}}' "$SERVICE" 2>/dev/null \
      | awk '$2 == "Running" {print $1}' | sort -u | wc -l)
    (( running == 3 )) && break
    (( SECONDS < deadline )) || up_fail "$SERVICE has $running of 3 tasks running on distinct nodes after ${TASK_TIMEOUT}s"
    sleep 0.5
  done
}

start_watchdog() {
  local owner=$1
  [[ "$owner" =~ ^[0-9]+$ ]] || up_fail "HIJACK_SWARM_OWNER_PID is not a pid: $owner"
  setsid nohup bash -c '
    while kill -0 "$1" 2>/dev/null && [ -d "$3" ]; do sleep 1; done
    [ -d "$3" ] && exec "$2" down "$3"
    exit 0' hj-swarm-watchdog "$owner" "$SCRIPT" "$DIR" </dev/null >>"$DIR/watchdog.log" 2>&1 &
  echo $! >"$DIR/watchdog.pid"
  log "watchdog pid $! runs down when pid $owner exits"
}

up() {
  local t0=$SECONDS
  check_tools
  if [[ -e "$DIR/up.done" ]] && ping_node 1; then
    log "a swarm is already up in $DIR"
  else
    if [[ -e "$DIR" && ! -e "$DIR/$MARKER" && -n "$(ls -A "$DIR" 2>/dev/null)" ]]; then
      log "$DIR exists, is not empty and is not a swarm folder: refusing to use it"; exit 1
    fi
    # Leftovers of an earlier swarm in DIR (the namespace names derive from DIR, so they are ours too).
    local leftovers=""
    [[ ! -e "$DIR" ]] || leftovers=yes
    for ns in $(all_netns); do [[ ! -e /run/netns/$ns ]] || leftovers=yes; done
    if [[ -n "$leftovers" ]]; then
      "$SCRIPT" down "$DIR" >&2 || { log "could not clear the leftovers in $DIR"; exit 1; }
    fi
    mkdir -p "$DIR/cli-config"
    touch "$DIR/$MARKER"
    trap 'up_fail "command failed (line $LINENO): $BASH_COMMAND"' ERR
    root_net_state >"$DIR/root-net.before"
    [[ -z "${HIJACK_SWARM_OWNER_PID:-}" ]] || start_watchdog "$HIJACK_SWARM_OWNER_PID"
    make_network
    local n
    for n in "${NODES[@]}"; do start_node "$n"; done
    for n in "${NODES[@]}"; do wait_node "$n"; done
    log "dockerds up after $((SECONDS - t0))s"
    import_image
    log "image on every node after $((SECONDS - t0))s"
    make_swarm
    root_net_state >"$DIR/root-net.after"
    local added
    added=$(comm -13 "$DIR/root-net.before" "$DIR/root-net.after")
    [[ -z "$added" ]] || up_fail "the ROOT network namespace changed during up (network safety!): $added"
    touch "$DIR/up.done"
    trap - ERR
    log "ready after $((SECONDS - t0))s"
  fi
  echo "MANAGER=unix://$(node_sock 1)"
  for n in "${NODES[@]}"; do echo "NODE $(node_hostname "$n") unix://$(node_sock "$n")"; done
  echo "CLIENT_NETNS=$NS_CLIENT"
}

# --------------------------------------------------------------------------------------------- down

# Every process in our namespaces (dockerd, containerd, shims, task containers, any test client in
# the client namespace): all started by us, since the namespaces are ours.
netns_pids() {
  local ns
  for ns in $(all_netns); do
    [[ -e /run/netns/$ns ]] && ip netns pids "$ns" 2>/dev/null
  done
  return 0
}

# Processes whose command line names DIR (dockerd/containerd that lost their namespace, say).
# Builtins only: a fork per process costs ~0.1 s on a loaded machine.
dir_pids() {
  local p comm args
  for p in /proc/[0-9]*; do
    p=${p#/proc/}
    [[ $p == "$$" || $p == "$BASHPID" ]] && continue
    read -r comm 2>/dev/null <"/proc/$p/comm" || continue
    case "$comm" in dockerd|containerd|containerd-shim*|runc|docker-proxy) ;; *) continue ;; esac
    mapfile -d '' args 2>/dev/null <"/proc/$p/cmdline" || continue
    [[ " ${args[*]} " == *"$DIR/"* ]] && echo "$p"
  done
  return 0
}

our_pids() { { netns_pids; dir_pids; } | sort -un; }

our_mounts() {
  awk '{print $2}' /proc/self/mounts | while IFS= read -r m; do
    [[ "$m" == "$DIR" || "$m" == "$DIR/"* ]] && echo "$m"
  done
  for ns in $(all_netns); do [[ -e /run/netns/$ns ]] && echo "/run/netns/$ns"; done
  return 0
}

down() {
  trap - ERR
  set +e
  local t0=$SECONDS n pid
  # The watchdog first (unless we are it), so it does not run a second down beside this one.
  local wpid
  wpid=$(cat "$DIR/watchdog.pid" 2>/dev/null)
  if [[ -n "$wpid" && "$wpid" != "$$" ]] && pid_alive "$wpid"; then
    kill -TERM -- "-$wpid" 2>/dev/null || kill -TERM "$wpid" 2>/dev/null
  fi
  # Remove the service and the task containers first: on TERM, dockerd would stop each `sleep` (which
  # ignores SIGTERM as PID 1) for its full 10 s grace period.
  if ping_node 1; then dkt 10 1 service rm "$SERVICE" >/dev/null 2>&1; fi
  for n in "${NODES[@]}"; do
    ping_node "$n" || continue
    local ids; ids=$(dkt 10 "$n" ps -aq 2>/dev/null)
    [[ -z "$ids" ]] || dkt 30 "$n" rm -f $ids >/dev/null 2>&1
  done
  local dockerds=()
  for n in "${NODES[@]}"; do
    pid=$(cat "$(node_dir "$n")/docker.pid" 2>/dev/null || cat "$(node_dir "$n")/launch.pid" 2>/dev/null)
    pid_alive "$pid" && [[ "$(cat /proc/"$pid"/comm 2>/dev/null)" == dockerd ]] && dockerds+=("$pid")
  done
  if [[ ${#dockerds[@]} -gt 0 ]]; then
    log "stopping dockerd pids ${dockerds[*]}"
    kill -TERM "${dockerds[@]}" 2>/dev/null
    local deadline=$((SECONDS + STOP_TIMEOUT))
    for pid in "${dockerds[@]}"; do
      while pid_alive "$pid" && (( SECONDS < deadline )); do sleep 0.1; done
    done
  fi
  # Whatever is left in our namespaces or names DIR: TERM, then KILL.
  local left
  left=$(our_pids)
  if [[ -n "$left" ]]; then
    log "terminating leftover processes: $(echo $left)"
    kill -TERM $left 2>/dev/null
    sleep 1
    left=$(our_pids)
    [[ -z "$left" ]] || { kill -KILL $left 2>/dev/null; sleep 0.5; }
  fi
  # Deleting a namespace deletes its interfaces; a veth pair goes when either end goes.
  local ns
  for ns in $(all_netns); do
    [[ -e /run/netns/$ns ]] && { ip netns del "$ns" || log "could not delete namespace $ns"; }
  done
  local m
  while IFS= read -r m; do
    [[ "$m" == "$DIR" || "$m" == "$DIR/"* ]] || continue
    umount -R "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || log "could not unmount $m"
  done < <(awk '{print $2}' /proc/self/mounts | sort -r)
  if [[ -e "$DIR/$MARKER" ]]; then
    rm -rf "$DIR" || log "could not remove $DIR"
  elif [[ -d "$DIR" && -z "$(ls -A "$DIR" 2>/dev/null)" ]]; then
    rmdir "$DIR" 2>/dev/null   # an empty folder an `up` that stopped early was given
  elif [[ -e "$DIR" ]]; then
    log "not removing $DIR: it has no $MARKER marker (not made by swarm.sh up)"
  fi
  # Verify: nothing of ours may be left.
  local problems=()
  left=$(our_pids); [[ -z "$left" ]] || problems+=("processes $(echo $left)")
  local mounts; mounts=$(our_mounts); [[ -z "$mounts" ]] || problems+=("mounts/namespaces $(echo $mounts)")
  [[ ! -e "$DIR/$MARKER" ]] || problems+=("folder $DIR")
  if [[ ${#problems[@]} -gt 0 ]]; then
    log "FAILED to clean up: ${problems[*]}"
    exit 1
  fi
  log "down: nothing left of $DIR ($((SECONDS - t0))s)"
}

case "$CMD" in
  up) up ;;
  down) down ;;
  *) usage ;;
esac
