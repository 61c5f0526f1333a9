import {DockerApi, execTokenEnv, HijackError, newExecToken, stopMarkedExec, UsageError, type DockerHost} from '../transport/index.js'
import {parseDuration} from './duration.js'
import {sessionQuietEnd, TIMED_OUT_EXIT, timeoutMessage, withDeadline} from './exec-deadline.js'
import {execExitCode} from './exec-exit-code.js'
import {resolveExecHosts} from './exec-hosts.js'
import {expandEnvFlag, readEnvFile} from './env.js'
import {isFanout} from './fanout-mode.js'
import type {ExecFlags} from './flag-specs.js'
import {printLine} from './report.js'
import {checkServiceFlags} from './service-targets.js'
import {terminalSize} from './terminal.js'
import {resolveDetachKeys, runTerminalSession} from './terminal-session.js'

/** Default grace between SIGTERM and SIGKILL for --timeout, as `timeout -k` is usually given. */
const DEFAULT_KILL_AFTER = '10s'

/** `hijack exec`: returns the exit status; expected failures throw a HijackError carrying theirs. */
export async function runExec(flags: ExecFlags, container: string, cmd: string[]): Promise<number> {
  const timeoutMs = flags.timeout === undefined ? undefined : parseDuration('timeout', flags.timeout)
  if (flags['kill-after'] !== undefined && timeoutMs === undefined) throw new UsageError('--kill-after needs --timeout')
  const killAfterMs = parseDuration('kill-after', flags['kill-after'] ?? DEFAULT_KILL_AFTER)
  if (timeoutMs !== undefined && flags.detach) throw new UsageError('--timeout cannot be used with -d: nothing waits for a detached command')
  const env: string[] = []
  for (const file of flags['env-file'] ?? []) env.push(...(await readEnvFile(file)))
  for (const entry of flags.env ?? []) env.push(expandEnvFlag(entry))

  checkServiceFlags(flags)
  if (flags.service !== undefined) {
    // With --service every operand is the command.
    const operands = [container, ...cmd].filter((arg) => arg !== undefined)
    const {planServiceExec} = await import('./service-exec.js')
    const plan = await planServiceExec(flags, operands)
    if ('single' in plan) return runSingle(flags, plan.single, operands, env, timeoutMs, killAfterMs)
    const {runTargets} = await import('./fanout-main.js')
    const spec = {cmd: operands, env, user: flags.user, workdir: flags.workdir, privileged: flags.privileged, timeoutMs, killAfterMs}
    return runTargets(flags, plan.targets, spec, plan.parallel)
  }
  // Several containers or daemons: loaded only then, so a plain exec starts as fast as before.
  if (isFanout(flags, container)) {
    const {runFanout} = await import('./fanout-main.js')
    return runFanout(flags, [container, ...cmd], {
      env, user: flags.user, workdir: flags.workdir, privileged: flags.privileged, timeoutMs, killAfterMs,
    })
  }
  return runSingle(flags, {host: resolveExecHosts(flags)[0], container, label: container}, cmd, env, timeoutMs, killAfterMs)
}

/** Where one exec runs: the daemon, the container, and how our messages name it. */
interface SingleTarget {
  host: DockerHost
  container: string
  label: string
}

async function runSingle(flags: ExecFlags, target: SingleTarget, cmd: string[], env: string[], timeoutMs: number | undefined, killAfterMs: number): Promise<number> {
  const {container} = target
  const tty = Boolean(flags.tty)
  const interactive = Boolean(flags.interactive) && !flags.detach
  const detachKeys = resolveDetachKeys(flags['detach-keys'])
  // --timeout: the exec carries a token that the stop finds its processes by.
  const token = timeoutMs === undefined ? undefined : await newExecToken()
  if (token) env.push(execTokenEnv(token))

  const api = await DockerApi.connect(target.host, process.env, {hijackAhead: !flags.detach})
  // Inspect first so "No such container" wins and no exec is created for nothing.
  await api.inspectContainer(container)
  if (interactive && tty && !process.stdin.isTTY) {
    throw new HijackError('cannot attach stdin to a TTY-enabled container because stdin is not a terminal')
  }
  const consoleSize = tty && api.supports('1.42') ? terminalSize(process.stdout) : undefined
  const execId = await api.createExec(container, {
    AttachStdin: interactive,
    AttachStdout: !flags.detach,
    AttachStderr: !flags.detach,
    Tty: tty,
    Cmd: cmd,
    ...(env.length > 0 && {Env: env}),
    ...(flags.workdir && {WorkingDir: flags.workdir}),
    ...(flags.user && {User: flags.user}),
    ...(flags.privileged && {Privileged: true}),
    ...(detachKeys.spec && {DetachKeys: detachKeys.spec}),
    ...(consoleSize && {ConsoleSize: consoleSize}),
  })
  if (flags.detach) {
    await api.startExecDetached(execId, tty)
    return 0
  }

  const {socket} = await api.startExec(execId, tty, consoleSize)
  const abort = token ? new AbortController() : undefined
  const quiet = new AbortController()
  const session = runTerminalSession({
    socket,
    tty,
    withStdin: interactive,
    halfClose: true,
    detachKeys: detachKeys.keys,
    resize: (h, w) => api.resizeExec(execId, h, w),
    signal: abort?.signal,
    endWhenQuiet: token ? sessionQuietEnd(quiet.signal) : undefined,
  })
  if (!token || !abort) return (await session) ?? execExitCode(api, execId)
  const ended = await withDeadline(session, {
    timeoutMs,
    stop: () => stopMarkedExec(api, container, token, killAfterMs, flags.user),
    endWhenQuiet: () => quiet.abort(),
    abort: () => abort.abort(),
  })
  if (ended.ended === 'done') return ended.value ?? execExitCode(api, execId)
  printLine(timeoutMessage(`${target.label}: `, timeoutMs ?? 0, ended.stop))
  return TIMED_OUT_EXIT
}
