// The OS processes of a container: its main process and running execs, and everything they started
// (read from /proc). Used by top, pause/unpause and stats; builtin containers have none.
import {readdirSync, readFileSync} from 'node:fs'

export interface ProcInfo {
  pid: number
  ppid: number
  pgid: number
  /** utime + stime, in clock ticks. */
  cpuTicks: number
  /** Resident set, in bytes. */
  rss: number
  /** The state letter of /proc/PID/stat: R, S, D, T (stopped), Z ... */
  state: string
}

const PAGE_SIZE = 4096

function readProc(pid: number): ProcInfo | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // The command name is in parentheses and may hold spaces: fields count from the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return {pid, ppid: Number(fields[1]), pgid: Number(fields[2]), cpuTicks: Number(fields[11]) + Number(fields[12]), rss: Number(fields[21]) * PAGE_SIZE, state: fields[0]}
  } catch {
    return undefined // gone meanwhile
  }
}

/** The processes descended from `roots` (the roots included), as they are now. */
export function processTree(roots: readonly number[]): ProcInfo[] {
  const wanted = new Set(roots.filter((pid) => pid > 0))
  if (wanted.size === 0) return []
  const all: ProcInfo[] = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    const info = readProc(Number(entry))
    if (info) all.push(info)
  }
  // Parents before children is not guaranteed in /proc order: repeat until nothing new joins.
  const tree = new Map<number, ProcInfo>()
  for (let grew = true; grew; ) {
    grew = false
    for (const info of all) {
      if (!tree.has(info.pid) && (wanted.has(info.pid) || tree.has(info.ppid))) {
        tree.set(info.pid, info)
        grew = true
      }
    }
  }
  return [...tree.values()]
}

/** Signals every process group in the tree (SIGSTOP/SIGCONT for pause, as the freezer does to a cgroup). */
export function signalTree(roots: readonly number[], signal: NodeJS.Signals): void {
  // Never the daemon's own group (commands are started in their own groups, but be sure).
  const own = readProc(process.pid)?.pgid
  for (const pgid of new Set(processTree(roots).map((p) => p.pgid))) {
    if (pgid <= 1 || pgid === own) continue
    try {
      process.kill(-pgid, signal)
    } catch {
      // the group is gone
    }
  }
}

/** States a SIGSTOP leaves or cannot change: stopped, traced-stopped, zombie, dead. */
const STILL = new Set(['T', 't', 'Z', 'X', 'x'])

/**
 * Resolves true once every process in the tree has stopped (a SIGSTOP takes effect only when the process is
 * next scheduled), as dockerd answers a pause only once the freezer says FROZEN; false after `ms`.
 */
export async function treeStopped(roots: readonly number[], ms = 2000): Promise<boolean> {
  const deadline = Date.now() + ms
  for (;;) {
    if (processTree(roots).every((p) => STILL.has(p.state))) return true
    if (Date.now() >= deadline) return false
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}
