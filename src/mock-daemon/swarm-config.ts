// The `nodes` and `services` keys of a mock daemon config: a swarm to play, checked. The state built
// from it is engine/swarm.ts's; the node daemons are started by swarm-nodes.ts.
import type {RuntimeName} from './config.js'

export class SwarmConfigError extends Error {}

/** A node as configured: hostname, where its mock daemon listens, what the manager says of it. */
export interface SwarmNodeSpec {
  hostname: string
  /** Its daemon's unix socket (default: HOSTNAME.sock in a temp dir of the swarm's). */
  socket?: string
  addr: string
  state: 'ready' | 'down' | 'unknown' | 'disconnected'
  role: 'manager' | 'worker'
}

/** A task as configured: where it runs and what became of its container. */
export interface SwarmTaskSpec {
  node: string
  slot: number
  desiredState: 'running' | 'shutdown'
  /** "running": a container on the node; "vanished": the manager names one the node does not have; "none": not created yet. */
  container: 'running' | 'vanished' | 'none'
}

export interface SwarmServiceSpec {
  name: string
  image: string
  cmd: string[]
  runtime?: RuntimeName
  tasks: SwarmTaskSpec[]
}

export interface SwarmSpec {
  nodes: SwarmNodeSpec[]
  services: SwarmServiceSpec[]
}

const HOSTNAME = /^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$/
const SERVICE_NAME = /^[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?$/

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function onlyKeys(raw: Record<string, unknown>, known: string[], where: string): void {
  for (const key of Object.keys(raw)) {
    if (!known.includes(key)) throw new SwarmConfigError(`${where}: unknown key "${key}" (known: ${known.join(', ')})`)
  }
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[], fallback: T, where: string): T {
  if (value === undefined) return fallback
  if (!allowed.includes(value as T)) throw new SwarmConfigError(`${where}: expected one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}`)
  return value as T
}

function nodeSpec(raw: unknown, index: number): SwarmNodeSpec {
  const at = `nodes[${index}]`
  if (!isObject(raw)) throw new SwarmConfigError(`${at}: expected an object`)
  onlyKeys(raw, ['hostname', 'socket', 'addr', 'state', 'role'], at)
  if (typeof raw.hostname !== 'string' || !HOSTNAME.test(raw.hostname)) throw new SwarmConfigError(`${at}.hostname: expected a hostname like "node1"`)
  if (raw.socket !== undefined && typeof raw.socket !== 'string') throw new SwarmConfigError(`${at}.socket: expected a path`)
  if (raw.addr !== undefined && (typeof raw.addr !== 'string' || !/^(?:[0-9.]+|[0-9A-Fa-f:]+)$/.test(raw.addr))) {
    throw new SwarmConfigError(`${at}.addr: expected an IP address`)
  }
  return {
    hostname: raw.hostname,
    socket: raw.socket as string | undefined,
    addr: (raw.addr as string | undefined) ?? `10.0.0.${index + 1}`,
    state: oneOf(raw.state, ['ready', 'down', 'unknown', 'disconnected'] as const, 'ready', `${at}.state`),
    role: oneOf(raw.role, ['manager', 'worker'] as const, index === 0 ? 'manager' : 'worker', `${at}.role`),
  }
}

function taskSpec(raw: unknown, index: number, where: string, hostnames: Set<string>): SwarmTaskSpec {
  const at = `${where}.tasks[${index}]`
  if (!isObject(raw)) throw new SwarmConfigError(`${at}: expected an object like {"node": "node1"}`)
  onlyKeys(raw, ['node', 'slot', 'desiredState', 'container'], at)
  if (typeof raw.node !== 'string' || !hostnames.has(raw.node)) throw new SwarmConfigError(`${at}.node: expected the hostname of one of the nodes`)
  if (raw.slot !== undefined && (!Number.isInteger(raw.slot) || (raw.slot as number) < 1)) throw new SwarmConfigError(`${at}.slot: expected an integer >= 1`)
  return {
    node: raw.node,
    slot: (raw.slot as number | undefined) ?? index + 1,
    desiredState: oneOf(raw.desiredState, ['running', 'shutdown'] as const, 'running', `${at}.desiredState`),
    container: oneOf(raw.container, ['running', 'vanished', 'none'] as const, 'running', `${at}.container`),
  }
}

function serviceSpec(raw: unknown, index: number, hostnames: Set<string>): SwarmServiceSpec {
  const at = `services[${index}]`
  if (!isObject(raw)) throw new SwarmConfigError(`${at}: expected an object`)
  onlyKeys(raw, ['name', 'image', 'cmd', 'runtime', 'tasks'], at)
  if (typeof raw.name !== 'string' || !SERVICE_NAME.test(raw.name)) throw new SwarmConfigError(`${at}.name: expected a service name like "web"`)
  const where = `service "${raw.name}"`
  if (!Array.isArray(raw.cmd) || raw.cmd.length === 0 || !raw.cmd.every((c) => typeof c === 'string')) throw new SwarmConfigError(`${where}.cmd: expected a non-empty array of strings`)
  if (raw.image !== undefined && typeof raw.image !== 'string') throw new SwarmConfigError(`${where}.image: expected a string`)
  if (raw.runtime !== undefined && raw.runtime !== 'process' && raw.runtime !== 'builtin') throw new SwarmConfigError(`${where}.runtime: expected "process" or "builtin"`)
  if (!Array.isArray(raw.tasks)) throw new SwarmConfigError(`${where}.tasks: expected an array like [{"node": "node1"}]`)
  const tasks = raw.tasks.map((task, i) => taskSpec(task, i, where, hostnames))
  const slots = new Set<number>()
  for (const task of tasks) {
    if (task.desiredState !== 'running') continue
    if (slots.has(task.slot)) throw new SwarmConfigError(`${where}: two running tasks in slot ${task.slot}`)
    slots.add(task.slot)
  }
  return {name: raw.name, image: (raw.image as string | undefined) ?? 'hijack-mock', cmd: raw.cmd as string[], runtime: raw.runtime as RuntimeName | undefined, tasks}
}

/** The `nodes` and `services` of a config, checked; undefined when the config has neither. */
export function validateSwarmConfig(raw: {nodes?: unknown; services?: unknown}): SwarmSpec | undefined {
  if (raw.nodes === undefined && raw.services === undefined) return undefined
  if (!Array.isArray(raw.nodes) || raw.nodes.length === 0) throw new SwarmConfigError('config.nodes: expected a non-empty array of nodes like {"hostname": "node1"}')
  const nodes = raw.nodes.map(nodeSpec)
  const hostnames = new Set<string>()
  for (const node of nodes) {
    if (hostnames.has(node.hostname)) throw new SwarmConfigError(`config: two nodes are named "${node.hostname}"`)
    hostnames.add(node.hostname)
  }
  if (raw.services !== undefined && !Array.isArray(raw.services)) throw new SwarmConfigError('config.services: expected an array')
  const services = ((raw.services as unknown[] | undefined) ?? []).map((s, i) => serviceSpec(s, i, hostnames))
  const names = new Set<string>()
  for (const service of services) {
    if (names.has(service.name)) throw new SwarmConfigError(`config: two services are named "${service.name}"`)
    names.add(service.name)
  }
  return {nodes, services}
}
