import type {ReadStream} from 'node:tty'
import {DEFAULT_DETACH_KEYS, DockerApi, HijackError, parseDetachKeys, resolveHost, runSession} from '../transport/index.js'
import {configuredDetachKeys} from './docker-config.js'
import type {AttachFlags} from './flag-specs.js'
import {DetachedError, OUTPUT_CLOSED_EXIT} from './report.js'
import {proxySignals, signalExitCode} from './signal-proxy.js'
import {enterRawMode, followTerminalSize} from './terminal.js'

/** `hijack attach`: returns the container's exit status; expected failures throw a HijackError. */
export async function runAttach(flags: AttachFlags, container: string): Promise<number> {
  const api = await DockerApi.connect(resolveHost(flags.host))
  // Wait is sent before inspect so an exit right after we look is not missed.
  const exited = api.waitContainer(container)
  exited.catch(() => {}) // a missing container is reported by inspect; a real wait failure is read below
  const info = await api.inspectContainer(container)
  if (info.State.Paused) throw new HijackError('You cannot attach to a paused container, unpause it first')
  if (info.State.Restarting) throw new HijackError('You cannot attach to a restarting container, wait until it is running')
  if (!info.State.Running) throw new HijackError('You cannot attach to a stopped container, start it first')

  const tty = Boolean(info.Config.Tty)
  const withStdin = !flags['no-stdin'] && Boolean(info.Config.OpenStdin)
  const stdin = process.stdin
  if (withStdin && tty && !stdin.isTTY) {
    throw new HijackError('cannot attach stdin to a TTY-enabled container because stdin is not a terminal')
  }
  const detachKeys = flags['detach-keys'] || configuredDetachKeys()
  const keys = parseDetachKeys(detachKeys ?? DEFAULT_DETACH_KEYS)

  const {socket} = await api.attach(container, {
    stream: true, stdin: withStdin, stdout: true, stderr: true,
    ...(flags.logs && {logs: true}),
    ...(detachKeys && {detachKeys}),
  })
  const restore = withStdin && tty && stdin.isTTY ? enterRawMode(stdin as ReadStream) : undefined
  const stopResize = tty
    ? followTerminalSize(process.stdout, (h, w) => api.resizeContainer(container, h, w), {initialRetries: 0, bump: true})
    : undefined
  const stopSignals = !tty && flags['sig-proxy'] !== false
    ? proxySignals(
        (name) => api.killContainer(container, name),
        (signal) => {
          process.stderr.write(`forced exit after ${signal} x3: the container may still be running\n`)
          process.exit(signalExitCode(signal))
        },
        (error) => process.stderr.write(`hijack: could not forward signal: ${error.message}\n`),
      )
    : undefined
  try {
    const result = await runSession({
      socket,
      tty,
      stdin: withStdin ? stdin : undefined,
      stdout: process.stdout,
      stderr: process.stderr,
      // Half-closing a container without StdinOnce makes dockerd end our output (moby#38457).
      halfClose: withStdin && Boolean(info.Config.StdinOnce),
      detachKeys: keys,
    })
    if (result.detached) throw new DetachedError()
    if (result.outputClosed) return OUTPUT_CLOSED_EXIT
    const status = await exited
    if (status.Error?.Message) process.stderr.write(`${status.Error.Message}\n`)
    return status.StatusCode
  } finally {
    stopSignals?.()
    stopResize?.()
    restore?.()
  }
}
