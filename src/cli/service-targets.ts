// `--service NAME`: a swarm service's running tasks as session targets, each on its own node's daemon.
// The manager (-H/--context) says where each task runs; how a node's daemon is reached is the node
// reach (--node-host, --node-context, or the manager's endpoint by default: transport/node-endpoint.ts).
import {DockerApi} from '../transport/docker-api.js'
import {HijackError, UsageError} from '../transport/errors.js'
import type {DockerHost} from '../transport/host.js'
import {checkNodeReach, nodeEndpoint, type NodeReach} from '../transport/node-endpoint.js'
import {resolveServiceTargets, type TaskTarget} from '../transport/service-tasks.js'
import type {TlsFlags} from '../transport/tls-config.js'
import type {ServiceFlags} from './flag-specs.js'

type Flags = ServiceFlags & TlsFlags

/** One task and the daemon it runs on, or why it cannot be reached. */
export interface ServiceSession {
  task: TaskTarget
  host?: DockerHost
  error?: HijackError
}

/** --task and --node-* need --service; --node-host and --node-context exclude each other (exit 125). */
export function checkServiceFlags(flags: ServiceFlags): void {
  if (flags.service === undefined) {
    const stray = (['task', 'node-host', 'node-context'] as const).find((name) => flags[name] !== undefined)
    if (stray) throw new UsageError(`--${stray} needs --service`)
    return
  }
  if (flags.service.trim() === '') throw new UsageError('--service needs a service name')
  if (flags['node-host'] !== undefined && flags['node-context'] !== undefined) {
    throw new UsageError('conflicting options: cannot specify both --node-host and --node-context')
  }
}

/** The precedence: --node-host, else --node-context, else the manager's own endpoint. */
function nodeReach(flags: Flags, manager: DockerHost, managerNodeId: string | undefined): NodeReach {
  if (flags['node-host'] !== undefined) {
    const {tls, tlsverify, tlscacert, tlscert, tlskey} = flags
    return {kind: 'host', template: flags['node-host'], tls: {tls, tlsverify, tlscacert, tlscert, tlskey}}
  }
  if (flags['node-context'] !== undefined) return {kind: 'context', template: flags['node-context']}
  return {kind: 'manager', manager, managerNodeId}
}

/**
 * Asks the manager for the service's running tasks (all, or the one --task names) and gives each its
 * node's daemon. A task that cannot run (no container yet, an unknown node, a node that cannot be
 * named) carries its error; the others are unaffected.
 */
export async function resolveServiceSessions(manager: DockerHost, flags: Flags): Promise<ServiceSession[]> {
  checkNodeReach(nodeReach(flags, manager, undefined)) // bad templates fail before the manager is asked
  const api = await DockerApi.connect(manager)
  try {
    const defaultReach = flags['node-host'] === undefined && flags['node-context'] === undefined
    const [tasks, managerNodeId] = await Promise.all([
      resolveServiceTargets(api, {service: flags.service ?? '', task: flags.task}),
      // A unix manager reaches only its own node, which /info names.
      defaultReach && manager.kind === 'unix' ? api.info().then((info) => info.Swarm?.NodeID) : undefined,
    ])
    const reach = nodeReach(flags, manager, managerNodeId)
    return tasks.map((task): ServiceSession => {
      if (task.problem) return {task, error: new HijackError(task.problem)}
      try {
        return {task, host: nodeEndpoint(reach, {hostname: task.hostname, addr: task.addr, id: task.nodeId})}
      } catch (error) {
        if (!(error instanceof HijackError)) throw error
        return {task, error}
      }
    })
  } finally {
    api.close()
  }
}

/**
 * With --service every operand is the command: a first operand that names one of the tasks' containers
 * (its ID, an ID prefix of 12 or more, its `SERVICE.SLOT.TASKID` name, the task ID) is a CONTAINER given
 * by mistake (exit 125), not a command to run.
 */
export function refuseContainerOperand(sessions: ServiceSession[], operand: string | undefined): void {
  if (operand === undefined) return
  const named = sessions.find(({task}) =>
    (task.containerId !== undefined && operand.length >= 12 && task.containerId.startsWith(operand)) ||
    operand === task.taskId || operand.endsWith(`.${task.taskId}`))
  if (named) {
    throw new UsageError(`"${operand}" is a container of service ${named.task.service}: with --service give only the command (--task picks one task)`)
  }
}

/** The one session of `exec --task` or `attach --service`: its daemon and container, or its error with its label. */
export function singleSession(sessions: ServiceSession[], flags: ServiceFlags): {host: DockerHost; container: string; label: string} {
  if (sessions.length > 1) {
    throw new UsageError(`service ${flags.service} runs ${sessions.length} tasks (${sessions.map((s) => s.task.prefix).join(', ')}): choose one with --task SLOT|ID`)
  }
  const [{task, host, error}] = sessions
  if (error || !host || !task.containerId) {
    throw new HijackError(`${task.prefix}: ${error?.message ?? 'no daemon to run on'}`, error?.exitCode ?? 1)
  }
  return {host, container: task.containerId, label: task.prefix}
}
