// GET /nodes, /tasks, /services (and /{kind}/{id}) of a mock swarm manager, in the Engine API's
// shapes and with its filters. A daemon without a swarm answers as a non-swarm dockerd does (503).
import {ApiError} from './http.js'
import type {Exchange} from './server.js'
import type {SwarmNode, SwarmService, SwarmState, SwarmTask} from './swarm.js'
import {ENGINE_VERSION} from './version.js'

const NOT_A_MANAGER = 'This node is not a swarm manager. Use "docker swarm init" or "docker swarm join" to connect this node to swarm and try again.'

/** Docker's filters: {"key": ["v", ...]} or the older {"key": {"v": true}}. */
function filters(ex: Exchange): Map<string, string[]> {
  const raw = ex.query.get('filters')
  const result = new Map<string, string[]>()
  if (!raw) return result
  let parsed: unknown
  try {
    parsed = JSON.parse(raw)
  } catch {
    throw new ApiError(400, `invalid filter '${raw}'`)
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new ApiError(400, `invalid filter '${raw}'`)
  for (const [key, value] of Object.entries(parsed)) {
    const values = Array.isArray(value) ? value : typeof value === 'object' && value !== null ? Object.keys(value) : undefined
    if (!values || !values.every((v) => typeof v === 'string')) throw new ApiError(400, `invalid filter '${raw}'`)
    result.set(key, values)
  }
  return result
}

function checkKeys(f: Map<string, string[]>, known: string[]): void {
  for (const key of f.keys()) if (!known.includes(key)) throw new ApiError(400, `Invalid filter '${key}'`)
}

/** A filter that is absent passes everything; a present one passes what matches any of its values. */
function passes(f: Map<string, string[]>, key: string, match: (value: string) => boolean): boolean {
  const values = f.get(key)
  return !values || values.some(match)
}

/** Docker resolves a reference as a full ID, then a name, then a unique ID prefix. */
function find<T extends {id: string}>(items: T[], ref: string, name: (item: T) => string, kind: string): T {
  const exact = items.find((i) => i.id === ref) ?? items.find((i) => name(i) === ref)
  if (exact) return exact
  const prefixed = ref === '' ? [] : items.filter((i) => i.id.startsWith(ref))
  if (prefixed.length === 1) return prefixed[0]
  if (prefixed.length > 1) throw new ApiError(400, `${kind} ${ref} is ambiguous (${prefixed.length} matches found)`)
  throw new ApiError(404, `${kind} ${ref} not found`)
}

const version = {Index: 10}

function nodeJson(swarm: SwarmState, node: SwarmNode): unknown {
  return {
    ID: node.id,
    Version: version,
    CreatedAt: swarm.createdAt,
    UpdatedAt: swarm.createdAt,
    Spec: {Labels: {}, Role: node.role, Availability: 'active'},
    Description: {
      Hostname: node.hostname,
      Platform: {Architecture: 'x86_64', OS: 'linux'},
      Engine: {EngineVersion: ENGINE_VERSION},
    },
    Status: {State: node.state, Addr: node.addr},
    ...(node.role === 'manager' ? {ManagerStatus: {Leader: true, Reachability: 'reachable', Addr: `${node.addr}:2377`}} : {}),
  }
}

function serviceJson(swarm: SwarmState, service: SwarmService): unknown {
  const replicas = service.tasks.filter((t) => t.desiredState === 'running').length
  return {
    ID: service.id,
    Version: version,
    CreatedAt: swarm.createdAt,
    UpdatedAt: swarm.createdAt,
    Spec: {
      Name: service.name,
      Labels: {},
      TaskTemplate: {ContainerSpec: {Image: service.image, Args: service.cmd}},
      Mode: {Replicated: {Replicas: replicas}},
    },
  }
}

function taskJson(swarm: SwarmState, task: SwarmTask): unknown {
  const service = swarm.services.find((s) => s.id === task.serviceId)!
  const state = task.desiredState === 'shutdown' ? 'shutdown' : task.container === 'none' ? 'preparing' : 'running'
  return {
    ID: task.id,
    Version: version,
    CreatedAt: swarm.createdAt,
    UpdatedAt: swarm.createdAt,
    Labels: {},
    Spec: {ContainerSpec: {Image: service.image, Args: service.cmd}},
    ServiceID: task.serviceId,
    Slot: task.slot,
    NodeID: task.nodeId,
    Status: {
      Timestamp: swarm.createdAt,
      State: state,
      Message: state === 'preparing' ? 'preparing' : 'started',
      ...(task.containerId ? {ContainerStatus: {ContainerID: task.containerId, PID: 0, ExitCode: 0}} : {}),
    },
    DesiredState: task.desiredState,
  }
}

function listNodes(ex: Exchange, swarm: SwarmState): unknown[] {
  const f = filters(ex)
  checkKeys(f, ['id', 'name', 'role', 'membership', 'label', 'node.label'])
  return swarm.nodes
    .filter((n) => passes(f, 'id', (v) => n.id.startsWith(v)) && passes(f, 'name', (v) => n.hostname.startsWith(v)) && passes(f, 'role', (v) => v === n.role))
    .map((n) => nodeJson(swarm, n))
}

function listServices(ex: Exchange, swarm: SwarmState): unknown[] {
  const f = filters(ex)
  checkKeys(f, ['id', 'name', 'label', 'mode'])
  return swarm.services
    .filter((s) => passes(f, 'id', (v) => s.id.startsWith(v)) && passes(f, 'name', (v) => s.name.startsWith(v)))
    .map((s) => serviceJson(swarm, s))
}

function listTasks(ex: Exchange, swarm: SwarmState): unknown[] {
  const f = filters(ex)
  checkKeys(f, ['id', 'name', 'service', 'node', 'desired-state', 'label'])
  // As dockerd: a service or node filter names something that must exist (404 otherwise).
  const services = f.get('service')?.map((ref) => find(swarm.services, ref, (s) => s.name, 'service').id)
  const nodes = f.get('node')?.map((ref) => find(swarm.nodes, ref, (n) => n.hostname, 'node').id)
  for (const state of f.get('desired-state') ?? []) {
    if (!['running', 'shutdown', 'accepted'].includes(state)) throw new ApiError(400, `Invalid desired-state filter: '${state}'`)
  }
  return swarm.tasks
    .filter((t) =>
      (!services || services.includes(t.serviceId)) &&
      (!nodes || nodes.includes(t.nodeId)) &&
      passes(f, 'desired-state', (v) => v === t.desiredState) &&
      passes(f, 'id', (v) => t.id.startsWith(v)))
    .map((t) => taskJson(swarm, t))
}

/** GET /nodes, /tasks, /services and /{kind}/{ref}. */
export function swarmRoute(ex: Exchange, kind: string, ref?: string): void {
  const swarm = ex.server.options.swarm
  if (!swarm) throw new ApiError(503, NOT_A_MANAGER)
  if (kind === 'nodes') {
    ex.sendJson(200, ref === undefined ? listNodes(ex, swarm) : nodeJson(swarm, find(swarm.nodes, ref, (n) => n.hostname, 'node')))
  } else if (kind === 'services') {
    ex.sendJson(200, ref === undefined ? listServices(ex, swarm) : serviceJson(swarm, find(swarm.services, ref, (s) => s.name, 'service')))
  } else {
    ex.sendJson(200, ref === undefined ? listTasks(ex, swarm) : taskJson(swarm, find(swarm.tasks, ref, () => '', 'task')))
  }
}
