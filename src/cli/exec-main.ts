import {DockerApi, HijackError, resolveEndpoint} from '../transport/index.js'
import {expandEnvFlag, readEnvFile} from './env.js'
import {execExitCode} from './exec-exit-code.js'
import type {ExecFlags} from './flag-specs.js'
import {terminalSize} from './terminal.js'
import {resolveDetachKeys, runTerminalSession} from './terminal-session.js'

/** `hijack exec`: returns the exit status; expected failures throw a HijackError carrying theirs. */
export async function runExec(flags: ExecFlags, container: string, cmd: string[]): Promise<number> {
  const tty = Boolean(flags.tty)
  const interactive = Boolean(flags.interactive) && !flags.detach
  const detachKeys = resolveDetachKeys(flags['detach-keys'])
  const env: string[] = []
  for (const file of flags['env-file'] ?? []) env.push(...(await readEnvFile(file)))
  for (const entry of flags.env ?? []) env.push(expandEnvFlag(entry))

  const api = await DockerApi.connect(resolveEndpoint(flags).host)
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
  const stopped = await runTerminalSession({
    socket,
    tty,
    withStdin: interactive,
    halfClose: true,
    detachKeys: detachKeys.keys,
    resize: (h, w) => api.resizeExec(execId, h, w),
  })
  return stopped ?? execExitCode(api, execId)
}
