// The swarm a manager daemon plays: nodes, services and tasks with the ids the manager reports, and
// the containers each node's own daemon must run. No scheduling, no orchestration: the placement is
// the config's. Sockets are not this module's business (swarm-nodes.ts starts the node daemons).
import {randomBytes} from 'node:crypto'
import type {ContainerConfig} from '../config.js'
import type {SwarmNodeSpec, SwarmServiceSpec, SwarmSpec, SwarmTaskSpec} from '../swarm-config.js'

export interface SwarmNode extends SwarmNodeSpec {
  id: string
  socketPath: string
  url: string
}

export interface SwarmTask extends SwarmTaskSpec {
  id: string
  serviceId: string
  nodeId: string
  containerId: string | undefined
}

export interface SwarmService extends SwarmServiceSpec {
  id: string
}

/** A prefix that several objects' ids start with. */
export class SwarmAmbiguousError extends Error {
  constructor(readonly kind: string, readonly ref: string, readonly count: number) {
    super(`${kind} ${ref} is ambiguous (${count} matches found)`)
  }
}

/** Swarmkit's ids: 25 characters of base 36. */
function swarmId(): string {
  let id = ''
  for (const byte of randomBytes(25)) id += (byte % 36).toString(36)
  return id
}

/** Docker resolves a reference as a full id, then a name, then a unique id prefix. */
function resolveRef<T extends {id: string}>(items: readonly T[], ref: string, name: (item: T) => string, kind: string): T | undefined {
  if (ref === '') return undefined
  const exact = items.find((i) => i.id === ref) ?? items.find((i) => name(i) === ref)
  if (exact) return exact
  const prefixed = items.filter((i) => i.id.startsWith(ref))
  if (prefixed.length > 1) throw new SwarmAmbiguousError(kind, ref, prefixed.length)
  return prefixed[0]
}

/** The manager's view, ids and timestamps fixed when it is built. */
export class Swarm {
  readonly createdAt = new Date().toISOString()
  readonly nodes: readonly SwarmNode[]
  readonly services: readonly SwarmService[]
  readonly tasks: readonly SwarmTask[]
  /** Per node hostname: the task containers its daemon runs (named and labelled as swarm does). */
  readonly nodeContainers: ReadonlyMap<string, ContainerConfig[]>

  constructor(spec: SwarmSpec, socketOf: (node: SwarmNodeSpec) => string) {
    this.nodes = spec.nodes.map((node) => {
      const socketPath = socketOf(node)
      return {...node, id: swarmId(), socketPath, url: `unix://${socketPath}`}
    })
    this.services = spec.services.map((s) => ({...s, id: swarmId()}))
    const byHostname = new Map(this.nodes.map((n) => [n.hostname, n]))
    const containers = new Map<string, ContainerConfig[]>(this.nodes.map((n) => [n.hostname, []]))
    const tasks: SwarmTask[] = []
    for (const service of this.services) {
      for (const task of service.tasks) {
        const node = byHostname.get(task.node)!
        const id = swarmId()
        const containerId = task.container === 'none' ? undefined : randomBytes(32).toString('hex')
        tasks.push({...task, id, serviceId: service.id, nodeId: node.id, containerId})
        // "vanished": the manager names a container the node does not have.
        if (task.container !== 'running' || task.desiredState !== 'running') continue
        containers.get(node.hostname)!.push(taskContainer(service, task.slot, id, node, containerId!))
      }
    }
    this.tasks = tasks
    this.nodeContainers = containers
  }

  serviceOf(task: SwarmTask): SwarmService {
    return this.services.find((s) => s.id === task.serviceId)!
  }

  /** By id, hostname or unique id prefix; undefined when none, SwarmAmbiguousError when several. */
  findNode(ref: string): SwarmNode | undefined {
    return resolveRef(this.nodes, ref, (n) => n.hostname, 'node')
  }

  findService(ref: string): SwarmService | undefined {
    return resolveRef(this.services, ref, (s) => s.name, 'service')
  }

  findTask(ref: string): SwarmTask | undefined {
    return resolveRef(this.tasks, ref, () => '', 'task')
  }
}

/** A task's container as swarm creates it: `service.slot.taskid`, swarm's labels, the node's hostname. */
function taskContainer(service: SwarmService, slot: number, taskId: string, node: SwarmNode, containerId: string): ContainerConfig {
  const name = `${service.name}.${slot}.${taskId}`
  return {
    name,
    id: containerId,
    image: service.image,
    cmd: service.cmd,
    runtime: service.runtime,
    // What a task container with host networking sees in Docker: the node's hostname.
    env: [`HOSTNAME=${node.hostname}`],
    labels: {
      'com.docker.swarm.node.id': node.id,
      'com.docker.swarm.service.id': service.id,
      'com.docker.swarm.service.name': service.name,
      'com.docker.swarm.task.id': taskId,
      'com.docker.swarm.task.name': name,
    },
  }
}
