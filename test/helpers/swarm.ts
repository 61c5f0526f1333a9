// A real three-node swarm for tap tests, from scripts/swarm.sh (network namespaces; see the script's
// header and PROTOCOL.md section 9). Skips visibly where it cannot run, unless CI=true (then it fails).
// Only unix sockets are dialed from this (root namespace) process: 10.231.0.x addresses are reached
// only from inside the swarm's client namespace (`inClient`).
import {mkdtemp, readFile} from 'node:fs/promises'
import {fileURLToPath} from 'node:url'
import {type CliResult, runCommand} from './cli.js'

export const SWARM_SCRIPT = fileURLToPath(new URL('../../scripts/swarm.sh', import.meta.url))
export const SERVICE = 'hijack-web'

export interface RealSwarm {
  dir: string
  /** unix:// URL of the manager's control socket. */
  manager: string
  /** One per node, from the script's `NODE <hostname> <url>` lines. */
  nodes: {hostname: string; host: string}[]
  /** The namespace on the swarm's bridge for TCP cases. */
  clientNetns: string
  /** Every network namespace of this swarm (hub, nodes, client). */
  netns(): Promise<string[]>
  /** Runs `command args` inside the client namespace. */
  inClient(command: string, args: string[], options?: {timeoutMs?: number}): Promise<CliResult>
  /** Runs `swarm.sh down` (teardown runs it too; it is safe twice). */
  down(): Promise<CliResult>
  /** Milliseconds `up` took. */
  upMs: number
}

interface TapLike {
  teardown(fn: () => unknown): void
  fail(message: string, extra?: Record<string, unknown>): boolean
  comment(...args: unknown[]): void
}

const UP_TIMEOUT_MS = 360_000
const DOWN_TIMEOUT_MS = 120_000

function giveUp(t: TapLike, reason: string, log?: string): undefined {
  if (process.env.CI === 'true') t.fail(`real swarm unavailable: ${reason}`, log ? {log} : {})
  else t.comment(`SKIP real swarm: ${reason}`)
  return undefined
}

export const swarmScript = (command: 'up' | 'down', dir: string, env: NodeJS.ProcessEnv = {}): Promise<CliResult> =>
  runCommand('bash', [SWARM_SCRIPT, command, dir], {timeoutMs: command === 'up' ? UP_TIMEOUT_MS : DOWN_TIMEOUT_MS, env})

/** The root network namespace's links, addresses and routes, one sorted line each. */
export async function rootNetworkState(): Promise<string[]> {
  const run = async (args: string[]): Promise<string> => (await runCommand('ip', args)).stdout.toString()
  const links = (await run(['-o', 'link', 'show'])).split('\n').filter(Boolean).map((l) => `link ${l.split(': ')[1]?.replace(/@.*/, '')}`)
  const addrs = (await run(['-o', 'addr', 'show'])).split('\n').filter(Boolean).map((l) => `addr ${l.split(/\s+/).slice(1, 4).join(' ')}`)
  const routes = (await run(['route', 'show', 'table', 'all'])).split('\n').filter(Boolean).map((l) => `route ${l}`)
  const routes6 = (await run(['-6', 'route', 'show', 'table', 'all'])).split('\n').filter(Boolean).map((l) => `route6 ${l}`)
  return [...new Set([...links, ...addrs, ...routes, ...routes6])].sort()
}

/** Pids of every process in the given network namespaces. */
export async function netnsPids(names: string[]): Promise<number[]> {
  const pids: number[] = []
  for (const name of names) {
    const r = await runCommand('ip', ['netns', 'pids', name])
    pids.push(...r.stdout.toString().split('\n').filter(Boolean).map(Number))
  }
  return pids
}

/** Resident memory of these processes, in bytes (shared pages counted per process: an upper bound). */
export async function rssBytes(pids: number[]): Promise<number> {
  let total = 0
  for (const pid of pids) {
    const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '')
    total += Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? 0) * 1024
  }
  return total
}

/** Starts a swarm for `t`; `down` runs in t's teardown. undefined when it cannot run here (a failure under CI). */
export async function startSwarm(t: TapLike): Promise<RealSwarm | undefined> {
  if (process.platform !== 'linux') return giveUp(t, `needs Linux (platform ${process.platform})`)
  if (process.getuid?.() !== 0) return giveUp(t, 'needs root (network namespaces, dockerd)')
  const dir = await mkdtemp('/tmp/hjsw-') // short: socket paths stay under 107 bytes
  const down = (): Promise<CliResult> => swarmScript('down', dir)
  t.teardown(async () => {
    const r = await down()
    if (r.code !== 0) t.fail('swarm.sh down in teardown failed', {stderr: r.stderr.toString()})
  })
  const t0 = Date.now()
  // The script's watchdog runs `down` if this process dies before its teardown.
  const up = await swarmScript('up', dir, {HIJACK_SWARM_OWNER_PID: String(process.pid)})
  const upMs = Date.now() - t0
  const out = up.stdout.toString()
  const manager = /^MANAGER=(\S+)$/m.exec(out)?.[1]
  const clientNetns = /^CLIENT_NETNS=(\S+)$/m.exec(out)?.[1]
  const nodes = [...out.matchAll(/^NODE (\S+) (\S+)$/gm)].map((m) => ({hostname: m[1], host: m[2]}))
  if (up.code !== 0 || !manager || !clientNetns || nodes.length !== 3) {
    const stderr = up.stderr.toString()
    const reason = /FAILED: (.*)/.exec(stderr)?.[1] ?? stderr.trim().split('\n').at(-1) ?? `exit ${up.code}`
    return giveUp(t, `swarm.sh up: ${reason}`, stderr)
  }
  const tag = clientNetns.replace(/-client$/, '-')
  return {
    dir,
    manager,
    nodes,
    clientNetns,
    upMs,
    down,
    async netns() {
      const list = (await runCommand('ip', ['netns', 'list'])).stdout.toString()
      return list.split('\n').map((l) => l.split(' ')[0]).filter((n) => n.startsWith(tag))
    },
    inClient(command, args, options) {
      return runCommand('ip', ['netns', 'exec', clientNetns, command, ...args], options)
    },
  }
}
