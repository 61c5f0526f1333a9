// A swarm service's running tasks as exec targets: which container, on which node, reached how.
// The manager knows where each task runs (GET /tasks, GET /nodes); the exec itself must go to that
// node's own daemon, which the node host template names.
import type {DockerApi} from './docker-api.js'
import {ServiceTargetError, UsageError} from './errors.js'
import type {SwarmNode, SwarmTask} from './swarm-types.js'

export type {SwarmNode, SwarmTask} from './swarm-types.js'

export interface TaskTarget {
  service: string
  taskId: string
  /** The task's slot; undefined for a global service's task. */
  slot: number | undefined
  nodeId: string
  /** The node's hostname ('' when the manager does not know the node). */
  hostname: string
  /** The node's address as the manager sees it ('' when unknown). */
  addr: string
  /** The node's state (ready, down, unknown, disconnected). */
  nodeState: string
  /** The task's state (running, starting, ...). */
  taskState: string
  /** The container to exec in; undefined when the task has none yet. */
  containerId: string | undefined
  /** The node's daemon, from the node host template; undefined without a template or without a node. */
  host: string | undefined
  /** `service.slot@hostname` (global services: `service.nodeid@hostname`), for output prefixes. */
  prefix: string
  /** Why this task cannot be exec'd into, when it cannot; the other tasks are unaffected. */
  problem?: string
}

export interface ServiceTargetOptions {
  service: string
  /** `--task`: a slot number, or a task ID or unique ID prefix. */
  task?: string
  /** `--node-host`: a host URL with `{hostname}`, `{addr}` (and `{id}`) placeholders. */
  nodeHost?: string
}

const PLACEHOLDER = /\{([^{}]*)\}/g
const KNOWN_PLACEHOLDERS = new Set(['hostname', 'addr', 'id'])
// Values that go into a host URL must not be able to change its shape (a hostname of "../x" in a
// socket path, an "@" in an ssh URL): hostnames and node IDs are DNS-like, addresses are IPs.
const SAFE_VALUE: Record<string, RegExp> = {
  hostname: /^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$/,
  id: /^[A-Za-z0-9]+$/,
  addr: /^(?:[0-9.]+|[0-9A-Fa-f:]+)$/,
}

/** Refuses a template with an unknown placeholder before anything is asked of the manager. */
export function checkNodeHostTemplate(template: string, what = 'node host template'): void {
  for (const [, name] of template.matchAll(PLACEHOLDER)) {
    if (!KNOWN_PLACEHOLDERS.has(name)) {
      throw new UsageError(`invalid ${what} "${template}": unknown placeholder {${name}} (known: {hostname}, {addr}, {id})`)
    }
  }
}

/** The template with the node's values in place; throws ServiceTargetError for a value unsafe in a URL. */
export function expandNodeHost(template: string, node: {hostname: string; addr: string; id: string}): string {
  checkNodeHostTemplate(template)
  return template.replace(PLACEHOLDER, (_, name: 'hostname' | 'addr' | 'id') => {
    const value = node[name]
    if (!SAFE_VALUE[name].test(value)) {
      throw new ServiceTargetError(`node ${node.id}: its ${name} ${JSON.stringify(value)} cannot be used in a host URL`)
    }
    return value
  })
}

/** The service's tasks whose desired state is running (the manager resolves a name, ID or ID prefix). */
export function listServiceTasks(api: DockerApi, service: string): Promise<SwarmTask[]> {
  return api.listTasks({service: [service], 'desired-state': ['running']})
}

/** `--task`: a slot number, else a task ID or unique prefix of one. */
export function selectTask<T extends Pick<TaskTarget, 'slot' | 'taskId'>>(targets: T[], task: string, service: string): T {
  const wanted = task.trim()
  const matches = /^\d+$/.test(wanted)
    ? targets.filter((t) => t.slot === Number(wanted))
    : targets.filter((t) => t.taskId === wanted || (wanted !== '' && t.taskId.startsWith(wanted)))
  if (matches.length === 0) throw new ServiceTargetError(`service ${service} has no running task ${JSON.stringify(wanted)}`)
  const exact = matches.find((t) => t.taskId === wanted)
  if (exact) return exact
  if (matches.length > 1) throw new ServiceTargetError(`task ${JSON.stringify(wanted)} is ambiguous in service ${service}: ${matches.map((t) => t.taskId).join(', ')}`)
  return matches[0]
}

/** Builds the targets from what the manager said (no I/O: the part the unit tests pin down). */
export function taskTargets(service: string, tasks: SwarmTask[], nodes: SwarmNode[], nodeHost?: string): TaskTarget[] {
  const byId = new Map(nodes.map((n) => [n.ID, n]))
  const targets = tasks.map((task): TaskTarget => {
    const nodeId = task.NodeID ?? ''
    const node = byId.get(nodeId)
    const hostname = node?.Description?.Hostname ?? ''
    const slot = task.Slot ? task.Slot : undefined
    const containerId = task.Status?.ContainerStatus?.ContainerID || undefined
    const target: TaskTarget = {
      service,
      taskId: task.ID,
      slot,
      nodeId,
      hostname,
      addr: node?.Status?.Addr ?? '',
      nodeState: node?.Status?.State ?? 'unknown',
      taskState: task.Status?.State ?? 'unknown',
      containerId,
      host: undefined,
      prefix: `${service}.${slot ?? (nodeId || task.ID)}@${hostname || nodeId || '?'}`,
    }
    if (!node) target.problem = nodeId ? `node ${nodeId} is not known to the manager` : 'the task is not assigned to a node yet'
    else if (!containerId) target.problem = `the task has no container yet (state ${target.taskState})`
    if (node && nodeHost !== undefined) {
      try {
        target.host = expandNodeHost(nodeHost, {hostname, addr: target.addr, id: nodeId})
      } catch (error) {
        if (!(error instanceof ServiceTargetError)) throw error
        target.problem ??= error.message
      }
    }
    return target
  })
  return targets.sort((a, b) => (a.slot ?? Infinity) - (b.slot ?? Infinity) || a.hostname.localeCompare(b.hostname) || a.taskId.localeCompare(b.taskId))
}

/**
 * Asks the manager for the service's running tasks and the nodes, and returns one target per task
 * (or the one `task` selects). An unknown service is the manager's own 404 (DaemonError); a service
 * with no running task is a ServiceTargetError.
 */
export async function resolveServiceTargets(api: DockerApi, options: ServiceTargetOptions): Promise<TaskTarget[]> {
  if (options.nodeHost !== undefined) checkNodeHostTemplate(options.nodeHost)
  const [tasks, nodes] = await Promise.all([listServiceTasks(api, options.service), api.listNodes()])
  const targets = taskTargets(options.service, tasks ?? [], nodes ?? [], options.nodeHost)
  if (options.task !== undefined) return [selectTask(targets, options.task, options.service)]
  if (targets.length === 0) throw new ServiceTargetError(`service ${options.service} has no running tasks`)
  return targets
}
