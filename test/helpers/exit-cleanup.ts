// Cleanup that survives tap killing a test file (its timeout sends SIGALRM, then SIGKILL 500 ms later):
// t.teardown never runs then, so temp folders and the mock daemon's process groups would stay behind.
// Hooks here run synchronously on exit and on a terminating signal.
import {readdirSync, readFileSync, rmSync} from 'node:fs'

const hooks = new Set<() => void>()
const SIGNALS: NodeJS.Signals[] = ['SIGALRM', 'SIGTERM', 'SIGINT', 'SIGHUP']
let installed = false

function runHooks(): void {
  for (const hook of hooks) {
    try {
      hook()
    } catch {
      // one failing cleanup must not stop the others
    }
  }
  hooks.clear()
}

function onSignal(signal: NodeJS.Signals): void {
  runHooks()
  // Then die of the signal as before (tap's own handler reports the timeout).
  for (const s of SIGNALS) process.off(s, onSignal)
  process.kill(process.pid, signal)
}

/** Runs `hook` when the process exits or is signalled, unless the returned cancel ran first. */
export function onProcessExit(hook: () => void): () => void {
  if (!installed) {
    installed = true
    process.on('exit', runHooks)
    for (const signal of SIGNALS) process.on(signal, onSignal)
    hooks.add(killChildProcessGroups)
  }
  hooks.add(hook)
  return () => hooks.delete(hook)
}

/** Removes `dir` at exit unless removed before. */
export function removeAtExit(dir: string): () => void {
  return onProcessExit(() => rmSync(dir, {recursive: true, force: true}))
}

/**
 * Our own children that lead a process group of their own (the mock's `process` runtime starts every
 * container and exec detached) are killed with their groups; other children get SIGTERM.
 */
function killChildProcessGroups(): void {
  const ownGroup = Number(readFileSync('/proc/self/stat', 'utf8').replace(/^.*\) /, '').split(' ')[2])
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    let fields: string[]
    try {
      fields = readFileSync(`/proc/${entry}/stat`, 'utf8').replace(/^.*\) /, '').split(' ')
    } catch {
      continue
    }
    const [ppid, pgid] = [Number(fields[1]), Number(fields[2])]
    if (ppid !== process.pid) continue
    try {
      if (pgid === Number(entry) && pgid !== ownGroup) process.kill(-pgid, 'SIGKILL')
      else process.kill(Number(entry), 'SIGTERM')
    } catch {
      // already gone
    }
  }
}

// Installed by importing: every test that uses the shared helpers (temp folders, the CLIs) gets it.
onProcessExit(() => {})
