// The exec stop's wire contract, shared by the client (transport/exec-stop.ts) and the mock daemon
// (mock-daemon/engine/exec-stop.ts): the Engine API has no exec kill (moby#35703), so a stoppable exec
// carries a unique token in its environment, and the stop is a second exec that signals every process
// whose environment carries that token. Pure: no I/O.

/** The variable that marks a stoppable exec. */
export const EXEC_TOKEN_ENV = 'HIJACK_EXEC_TOKEN'
/** $0 of the stop script: how the mock daemon (and a reader of `ps`) recognises it. */
export const STOP_SCRIPT_NAME = 'hijack-exec-stop'
/** The stop script's status when the container lacks what it needs (grep, /proc). */
export const STOP_UNSUPPORTED = 3

export function execTokenEnv(token: string): string {
  return `${EXEC_TOKEN_ENV}=${token}`
}

/**
 * POSIX sh (busybox ash included): TERM every marked process, look again every 0.1 s until none is
 * left or the grace period is over, then KILL what remains. Exits 0 once none is left.
 * Zombies have an empty environ, so a killed process stops matching at once.
 */
const STOP_SCRIPT = [
  'm="$1"; n="$2"',
  `command -v grep >/dev/null 2>&1 && command -v tr >/dev/null 2>&1 && [ -r /proc/self/environ ] || exit ${STOP_UNSUPPORTED}`,
  // One variable a line: busybox grep stops reading a line at its first NUL.
  'marked() { for d in /proc/[0-9]*; do [ "${d#/proc/}" = "$$" ] || ! { tr "\\0" "\\n" <"$d/environ"; } 2>/dev/null | grep -qxF "$m" || echo "${d#/proc/}"; done; }',
  'p=$(marked); [ -z "$p" ] && exit 0',
  'kill -TERM $p 2>/dev/null',
  'i=0',
  'while [ "$i" -lt "$n" ]; do',
  '  sleep 0.1 2>/dev/null || { sleep 1; i=$((i+9)); }',
  '  p=$(marked); [ -z "$p" ] && exit 0',
  '  i=$((i+1))',
  'done',
  'kill -KILL $p 2>/dev/null',
  'sleep 0.1 2>/dev/null || sleep 1',
  'p=$(marked); [ -z "$p" ] && exit 0',
  'echo "still running: $p"; exit 1',
].join('\n')

/** The stop exec's command: SIGTERM now, SIGKILL after `killAfterMs`. */
export function stopCommand(token: string, killAfterMs: number): string[] {
  return ['sh', '-c', STOP_SCRIPT, STOP_SCRIPT_NAME, execTokenEnv(token), String(Math.max(1, Math.ceil(killAfterMs / 100)))]
}

/** The token and grace period of a stop command, or undefined for any other command. */
export function parseStopCommand(cmd: readonly string[]): {token: string; killAfterMs: number} | undefined {
  if (cmd.length !== 6 || cmd[0] !== 'sh' || cmd[1] !== '-c' || cmd[2] !== STOP_SCRIPT || cmd[3] !== STOP_SCRIPT_NAME) return undefined
  const mark = `${EXEC_TOKEN_ENV}=`
  if (!cmd[4].startsWith(mark) || !/^\d+$/.test(cmd[5])) return undefined
  return {token: cmd[4].slice(mark.length), killAfterMs: Number(cmd[5]) * 100}
}

