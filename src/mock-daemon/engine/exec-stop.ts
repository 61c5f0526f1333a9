// The mock's native side of hijack's exec stop (src/protocol/exec-stop.ts). An exec whose environment
// carries a token is remembered; hijack's stop command, when it arrives as an exec, is not run as a
// shell script but done here: SIGTERM to the marked exec's process group, SIGKILL after the grace.
import {readdirSync, readFileSync} from 'node:fs'
import {PassThrough} from 'node:stream'
import {EXEC_TOKEN_ENV, parseStopCommand} from '../../protocol/exec-stop.js'
import type {Container} from './container.js'
import type {MockProcess} from './runtime.js'

/** Per container: token -> the marked exec's process. Forgotten with the container. */
const marked = new WeakMap<Container, Map<string, MockProcess>>()

/** Built-in programs that have exited (they have no pid to look at). */
const exitedProcs = new WeakSet<MockProcess>()

/** How often a stop looks whether the marked processes are gone. */
const POLL_MS = 50

/**
 * The one hook in exec start: runs hijack's stop command natively, else spawns as usual and remembers
 * an exec carrying a token (`execEnv`: the exec's own Env, later entries winning).
 */
export function spawnExecProcess(container: Container, cmd: readonly string[], execEnv: readonly string[], spawn: () => MockProcess): MockProcess {
  const stop = parseStopCommand(cmd)
  if (stop) return stopProcess(container, stop.token, stop.killAfterMs)
  const proc = spawn()
  const mark = `${EXEC_TOKEN_ENV}=`
  const token = [...execEnv].reverse().find((e) => e.startsWith(mark))?.slice(mark.length)
  if (token) {
    let execs = marked.get(container)
    if (!execs) marked.set(container, (execs = new Map()))
    execs.set(token, proc)
    const forget = (): void => {
      exitedProcs.add(proc)
      if (!isAlive(proc)) execs.delete(token)
    }
    proc.exited.then(forget, forget)
  }
  return proc
}

/** Signals the whole group of a real process (its pid is its group's id), else the program itself. */
function signal(proc: MockProcess, name: NodeJS.Signals): void {
  if (proc.pid !== undefined) {
    try {
      process.kill(-proc.pid, name)
    } catch {
      // the group is gone
    }
  }
  // Built-in programs, and SIGKILL's reach to what a real exec left behind.
  proc.kill(name)
}

/** Anything of it still running: the program, or a live member of its process group. */
function isAlive(proc: MockProcess): boolean {
  if (proc.pid === undefined) return !exitedProcs.has(proc)
  try {
    process.kill(-proc.pid, 0)
  } catch {
    return false
  }
  // The group exists, but its members may be zombies waiting for a slow init to reap them: dead.
  return liveGroupMember(proc.pid)
}

/** Some process in group `pgid` is not a zombie (fields 3 and 5 of /proc/PID/stat). */
function liveGroupMember(pgid: number): boolean {
  let entries: string[]
  try {
    entries = readdirSync('/proc')
  } catch {
    return true // cannot tell: the group exists
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'latin1')
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      if (Number(pgrp) === pgid && state !== 'Z') return true
    } catch {
      // gone meanwhile
    }
  }
  return false
}

/** A process that does the stop and exits 0 once nothing of the marked exec is left (1 if it cannot tell). */
function stopProcess(container: Container, token: string, killAfterMs: number): MockProcess {
  const stdout = new PassThrough()
  const stderr = new PassThrough()
  const stdin = new PassThrough()
  stdin.resume()
  const target = marked.get(container)?.get(token)
  const exited = (async (): Promise<number> => {
    if (!target) return 0
    signal(target, 'SIGTERM')
    const deadline = Date.now() + killAfterMs
    while (Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, POLL_MS))
      if (!isAlive(target)) return 0
    }
    signal(target, 'SIGKILL')
    await new Promise((resolve) => setTimeout(resolve, POLL_MS * 2))
    return isAlive(target) ? 1 : 0
  })()
  exited.then((code) => {
    if (code !== 0) stdout.write('still running\n')
    stdout.end()
    stderr.end()
  })
  return {stdin, stdout, stderr, exited, pid: undefined, kill: () => {}, resize: () => {}}
}
