import type {ReadStream} from 'node:tty'
import {DEFAULT_DETACH_KEYS, DockerApi, HijackError, parseDetachKeys, resolveHost, runSession} from '../transport/index.js'
import {configuredDetachKeys} from './docker-config.js'
import {expandEnvFlag, readEnvFile} from './env.js'
import {execExitCode} from './exec-exit-code.js'
import type {ExecFlags} from './flag-specs.js'
import {DetachedError, OUTPUT_CLOSED_EXIT} from './report.js'
import {enterRawMode, followTerminalSize, terminalSize} from './terminal.js'

/** `hijack exec`: returns the exit status; expected failures throw a HijackError carrying theirs. */
export async function runExec(flags: ExecFlags, container: string, cmd: string[]): Promise<number> {
  const stdin = process.stdin
  const tty = Boolean(flags.tty)
  const interactive = Boolean(flags.interactive) && !flags.detach
  const detachKeys = flags['detach-keys'] || configuredDetachKeys()
  const keys = parseDetachKeys(detachKeys ?? DEFAULT_DETACH_KEYS)
  const env: string[] = []
  for (const file of flags['env-file'] ?? []) env.push(...(await readEnvFile(file)))
  for (const entry of flags.env ?? []) env.push(expandEnvFlag(entry))

  const api = await DockerApi.connect(resolveHost(flags.host))
  // Inspect first so "No such container" wins and no exec is created for nothing.
  await api.inspectContainer(container)
  if (interactive && tty && !stdin.isTTY) {
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
    ...(detachKeys && {DetachKeys: detachKeys}),
    ...(consoleSize && {ConsoleSize: consoleSize}),
  })
  if (flags.detach) {
    await api.startExecDetached(execId, tty)
    return 0
  }

  const {socket} = await api.startExec(execId, tty, consoleSize)
  const restore = interactive && tty && stdin.isTTY ? enterRawMode(stdin as ReadStream) : undefined
  const stopResize = tty ? followTerminalSize(process.stdout, (h, w) => api.resizeExec(execId, h, w)) : undefined
  try {
    const result = await runSession({
      socket,
      tty,
      stdin: interactive ? stdin : undefined,
      stdout: process.stdout,
      stderr: process.stderr,
      halfClose: true,
      detachKeys: keys,
    })
    if (result.detached) throw new DetachedError()
    if (result.outputClosed) return OUTPUT_CLOSED_EXIT
  } finally {
    stopResize?.()
    restore?.()
  }
  return execExitCode(api, execId)
}
