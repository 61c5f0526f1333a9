// `hijack exec --service NAME`: which sessions to run. Every running task at once (fan-out, prefixes
// `service.slot@node`), or with --task the one task as a plain `docker exec` (a TTY allowed).
import {DockerApi} from '../transport/docker-api.js'
import type {DockerHost} from '../transport/host.js'
import {UsageError} from '../transport/errors.js'
import {resolveExecHosts} from './exec-hosts.js'
import {parseParallel, refuseTerminalFlags} from './fanout-main.js'
import type {FanoutTarget} from './fanout/target-session.js'
import type {ExecFlags} from './flag-specs.js'
import {refuseContainerOperand, resolveServiceSessions, singleSession, type ServiceSession} from './service-targets.js'

export type ServiceExecPlan =
  | {single: {host: DockerHost; container: string; label: string}}
  | {targets: FanoutTarget[]; parallel: number | undefined}

/** Usage first (exit 125, nothing asked of the manager), then the tasks and their nodes. */
export async function planServiceExec(flags: ExecFlags, operands: string[]): Promise<ServiceExecPlan> {
  if (flags.filter?.length) throw new UsageError('--service cannot be used with --filter')
  if ((flags.host?.length ?? 0) > 1 || (flags.context?.length ?? 0) > 1) {
    throw new UsageError('--service asks one swarm manager: give -H or --context once')
  }
  const fanout = flags.task === undefined || Boolean(flags.json || flags['fail-fast'] || flags['no-prefix'] || flags.parallel !== undefined)
  if (fanout) refuseTerminalFlags(flags, flags.task === undefined ? '--service without --task (several tasks)' : 'the fan-out flags')
  const parallel = parseParallel(flags.parallel)
  if (operands.length === 0) throw new UsageError('no command given to run in the tasks', 1)

  const sessions = await resolveServiceSessions(resolveExecHosts(flags)[0], flags)
  refuseContainerOperand(sessions, operands[0])
  if (!fanout) return {single: singleSession(sessions, flags)}
  return {targets: fanoutTargets(sessions), parallel}
}

/** One target per task; tasks on the same node share its API connection. */
function fanoutTargets(sessions: ServiceSession[]): FanoutTarget[] {
  const apis = new Map<string, Promise<DockerApi>>()
  const apiFor = (host: DockerHost): Promise<DockerApi> => {
    let api = apis.get(host.url)
    if (!api) {
      api = DockerApi.connect(host)
      api.catch(() => {}) // reported by each task that uses it
      apis.set(host.url, api)
    }
    return api
  }
  return sessions.map(({task, host, error}): FanoutTarget => ({
    label: task.prefix,
    ref: task.containerId ?? '',
    api: host && !error ? apiFor(host) : undefined,
    error,
    record: {container: task.containerId ?? null, host: host?.url ?? null, service: task.service, slot: task.slot ?? null, task: task.taskId, node: task.hostname},
  }))
}
