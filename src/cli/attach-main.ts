import {DockerApi, HijackError, resolveEndpoint, UsageError, type DockerHost, type WaitResult} from '../transport/index.js'
import {exitWhenFlushed} from './exit.js'
import type {AttachFlags} from './flag-specs.js'
import {signalExitCode} from './report.js'
import {proxySignals} from './signal-proxy.js'
import {checkServiceFlags, resolveServiceSessions, singleSession} from './service-targets.js'
import {resolveDetachKeys, runTerminalSession} from './terminal-session.js'

/** Once the container has exited, how long its output stream may linger before we stop reading. */
export const EXIT_DRAIN_MS = 2000

/** `hijack attach`: returns the container's exit status; expected failures throw a HijackError. */
export async function runAttach(flags: AttachFlags, operand: string | undefined): Promise<number> {
  const {host, container} = await attachTarget(flags, operand)
  const api = await DockerApi.connect(host, process.env, {hijackAhead: true})
  // The wait is in place before we inspect, so an exit right after we look is not missed. A failed
  // wait (no such container) is reported by inspect first, in Docker's words.
  const waiting = await api.waitContainer(container).catch((error: Error) => error)
  const info = await api.inspectContainer(container)
  if (info.State.Paused) throw new HijackError('You cannot attach to a paused container, unpause it first')
  if (info.State.Restarting) throw new HijackError('You cannot attach to a restarting container, wait until it is running')
  if (!info.State.Running) throw new HijackError('You cannot attach to a stopped container, start it first')
  if (waiting instanceof Error) throw waiting
  const exited: Promise<WaitResult> = waiting.result
  exited.catch(() => {}) // read below; a rejection here must not crash the process before then

  const tty = Boolean(info.Config.Tty)
  // Docker checks the terminal whenever stdin is not turned off, whether or not the container takes it.
  if (!flags['no-stdin'] && tty && !process.stdin.isTTY) {
    throw new HijackError('cannot attach stdin to a TTY-enabled container because stdin is not a terminal')
  }
  const withStdin = !flags['no-stdin'] && Boolean(info.Config.OpenStdin)
  const detachKeys = resolveDetachKeys(flags['detach-keys'])

  // Signals are forwarded from before the attach request, as Docker does.
  const stopSignals = !tty && flags['sig-proxy'] !== false
    ? proxySignals(
        (name) => api.killContainer(container, name),
        (signal) => {
          process.stderr.write(`forced exit after ${signal} x3: the container may still be running\n`)
          void exitWhenFlushed(signalExitCode(signal))
        },
        (error) => process.stderr.write(`hijack: could not forward signal: ${error.message}\n`),
      )
    : undefined
  const drained = new AbortController()
  let drainTimer: NodeJS.Timeout | undefined
  try {
    const {socket} = await api.attach(container, {
      stream: true, stdin: withStdin, stdout: true, stderr: true,
      ...(flags.logs && {logs: true}),
      ...(detachKeys.spec && {detachKeys: detachKeys.spec}),
    })
    // If the container stopped between inspect and attach, or left a child holding its output open,
    // the stream may never end: once the exit is known, give the output a moment, then stop.
    exited.then(() => { drainTimer = setTimeout(() => drained.abort(), EXIT_DRAIN_MS) }, () => drained.abort())
    const stopped = await runTerminalSession({
      socket,
      tty,
      withStdin,
      // Half-closing a container without StdinOnce makes dockerd end our output (moby#38457). Podman
      // never reports StdinOnce and closes the container's stdin on our half-close, as for docker attach.
      halfClose: withStdin && (api.podman || Boolean(info.Config.StdinOnce)),
      detachKeys: detachKeys.keys,
      resize: (h, w) => api.resizeContainer(container, h, w),
      // As the Docker CLI's initTtySize: a resize that fails right after the attach is retried. Podman
      // under Node 26 kept the bumped size (34x101) in two CI runs, retries or not: the size is sent
      // once more 300 ms later.
      resizeOptions: {initialRetries: 10, bump: true, confirmAfterMs: 300},
      signal: drained.signal,
    })
    if (stopped !== undefined) return stopped
    const status = await exited
    // Docker treats an error in the wait result as a failure, whatever the status code.
    if (status.Error?.Message) throw new HijackError(status.Error.Message)
    return status.StatusCode
  } finally {
    clearTimeout(drainTimer)
    stopSignals?.()
  }
}

/** The container operand on the chosen daemon, or with --service the task's container on its own node. */
async function attachTarget(flags: AttachFlags, operand: string | undefined): Promise<{host: DockerHost; container: string}> {
  checkServiceFlags(flags)
  const manager = resolveEndpoint(flags).host
  if (flags.service === undefined) return {host: manager, container: operand ?? ''}
  if (operand !== undefined) throw new UsageError(`--service attaches to a task's container: give no CONTAINER (got "${operand}")`)
  return singleSession(await resolveServiceSessions(manager, flags), flags)
}
