// GET /nodes, /tasks, /services (and /{kind}/{ref}) of a mock swarm manager, in the Engine API's
// shapes and with its filters. A daemon without a swarm answers as a non-swarm dockerd does (503).
import type {Swarm, SwarmNode, SwarmService, SwarmTask} from '../engine/swarm.js'
import {ApiError} from '../server/api-error.js'
import type {DaemonRequest} from '../server/daemon-request.js'
import {ENGINE_VERSION} from '../version.js'
import type {ApiContext} from './context.js'
import {filtersQuery, findSwarmObject, managedSwarm} from './validate.js'

/** The request's filters, refused in dockerd's swarm wording ("Invalid filter") when unknown. */
function swarmFilters(req: DaemonRequest, supported: string[], unsupported: string[]): Map<string, string[]> {
  return filtersQuery(req, supported, unsupported, 'Invalid filter')
}

/** A filter that is absent passes everything; a present one passes what matches any of its values. */
function passes(f: Map<string, string[]>, key: string, match: (value: string) => boolean): boolean {
  const values = f.get(key)
  return !values || values.some(match)
}

const version = {Index: 10}

function nodeJson(swarm: Swarm, node: SwarmNode): unknown {
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

function serviceJson(swarm: Swarm, service: SwarmService): unknown {
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

function taskJson(swarm: Swarm, task: SwarmTask): unknown {
  const service = swarm.serviceOf(task)
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

export function listNodes(ctx: ApiContext, req: DaemonRequest): void {
  const swarm = managedSwarm(ctx.engine)
  const f = swarmFilters(req, ['id', 'name', 'role'], ['membership', 'label', 'node.label'])
  req.sendJson(200, swarm.nodes
    .filter((n) => passes(f, 'id', (v) => n.id.startsWith(v)) && passes(f, 'name', (v) => n.hostname.startsWith(v)) && passes(f, 'role', (v) => v === n.role))
    .map((n) => nodeJson(swarm, n)))
}

export function inspectNode(ctx: ApiContext, req: DaemonRequest, ref: string): void {
  const swarm = managedSwarm(ctx.engine)
  req.sendJson(200, nodeJson(swarm, findSwarmObject('node', ref, (r) => swarm.findNode(r))))
}

export function listServices(ctx: ApiContext, req: DaemonRequest): void {
  const swarm = managedSwarm(ctx.engine)
  const f = swarmFilters(req, ['id', 'name'], ['label', 'mode'])
  req.sendJson(200, swarm.services
    .filter((s) => passes(f, 'id', (v) => s.id.startsWith(v)) && passes(f, 'name', (v) => s.name.startsWith(v)))
    .map((s) => serviceJson(swarm, s)))
}

export function inspectService(ctx: ApiContext, req: DaemonRequest, ref: string): void {
  const swarm = managedSwarm(ctx.engine)
  req.sendJson(200, serviceJson(swarm, findSwarmObject('service', ref, (r) => swarm.findService(r))))
}

export function listTasks(ctx: ApiContext, req: DaemonRequest): void {
  const swarm = managedSwarm(ctx.engine)
  const f = swarmFilters(req, ['id', 'service', 'node', 'desired-state'], ['name', 'label'])
  // As dockerd: a service or node filter names something that must exist (404 otherwise).
  const services = f.get('service')?.map((ref) => findSwarmObject('service', ref, (r) => swarm.findService(r)).id)
  const nodes = f.get('node')?.map((ref) => findSwarmObject('node', ref, (r) => swarm.findNode(r)).id)
  for (const state of f.get('desired-state') ?? []) {
    if (!['running', 'shutdown', 'accepted'].includes(state)) throw new ApiError(400, `Invalid desired-state filter: '${state}'`)
  }
  req.sendJson(200, swarm.tasks
    .filter((t) =>
      (!services || services.includes(t.serviceId)) &&
      (!nodes || nodes.includes(t.nodeId)) &&
      passes(f, 'desired-state', (v) => v === t.desiredState) &&
      passes(f, 'id', (v) => t.id.startsWith(v)))
    .map((t) => taskJson(swarm, t)))
}

export function inspectTask(ctx: ApiContext, req: DaemonRequest, ref: string): void {
  const swarm = managedSwarm(ctx.engine)
  req.sendJson(200, taskJson(swarm, findSwarmObject('task', ref, (r) => swarm.findTask(r))))
}
