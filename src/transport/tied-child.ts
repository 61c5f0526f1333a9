// A child process that cannot outlive this one, even when this one is SIGKILLed (no 'exit' handler
// runs then). Linux's PDEATHSIG is not reachable from Node, so a small sh watchdog stands in: it
// holds the read end of a pipe whose write end only we hold, and the kernel closes that end when we
// die; the watchdog then signals the process group, which is the command's (it runs `exec`ed in the
// same detached group). On a normal exit the pipe is closed as soon as the command has exited.
import {spawn, type ChildProcess} from 'node:child_process'
import type {Writable} from 'node:stream'

/** fd 3 is the tie; the watchdog keeps no other stream, so the command's pipes end with the command. */
const WATCHDOG = [
  'command -v "$0" >/dev/null 2>&1 || { echo "$0 is not installed (not found in PATH)" >&2; exit 127; }',
  // The shell's own read (no cat to find on PATH, one process less): nothing is ever written, so it
  // returns only at EOF.
  '(while read -r _; do :; done <&3; kill -TERM 0) </dev/null >/dev/null 2>&1 &',
  'exec "$0" "$@" 3<&-',
].join('\n')

/**
 * Spawns `command` in a session of its own (as docker/cli's commandconn does: terminal signals are ours
 * to relay) with stdin, stdout and stderr piped, ended by SIGTERM if this process dies first.
 */
export function spawnTied(command: string, args: readonly string[]): ChildProcess {
  const child = spawn('sh', ['-c', WATCHDOG, command, ...args], {stdio: ['pipe', 'pipe', 'pipe', 'pipe'], detached: true})
  const tie = child.stdio[3] as Writable
  tie.on('error', () => {})
  // The child's 'close' waits for every stdio pipe, this one included.
  child.once('exit', () => tie.destroy())
  child.once('error', () => tie.destroy())
  return child
}
