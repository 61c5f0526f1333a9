import {Args, Flags} from '@oclif/core'
import type {ReadStream} from 'node:tty'
import {HijackCommand} from '../cli/base-command.js'
import {configuredDetachKeys} from '../cli/docker-config.js'
import {expandEnvFlag, readEnvFile} from '../cli/env.js'
import {execExitCode} from '../cli/exec-exit-code.js'
import {enterRawMode, followTerminalSize, terminalSize} from '../cli/terminal.js'
import {DEFAULT_DETACH_KEYS, DockerApi, HijackError, parseDetachKeys, resolveHost, runSession} from '../transport/index.js'

export default class Exec extends HijackCommand {
  static override summary = 'Execute a command in a running container'
  static override description = `Like docker exec, over the Engine API's hijacked connection.
Everything after CONTAINER COMMAND is passed to the command. Exit status is the command's own;
1 for daemon, connection and stream errors; 125 for bad flags (see the README for the full list).`
  static override dockerUsage = '[OPTIONS] CONTAINER COMMAND [ARG...]'
  static override minArgs = 2
  static override usage = 'exec [OPTIONS] CONTAINER COMMAND [ARG...]'
  static override strict = false
  static override examples = [
    '<%= config.bin %> exec mycontainer ls -la /',
    'tar c . | <%= config.bin %> exec -i mycontainer tar x -C /dst',
    '<%= config.bin %> exec -it mycontainer sh',
  ]

  static override args = {
    container: Args.string({description: 'container name or id', required: true, ignoreStdin: true}),
    command: Args.string({description: 'command to run, followed by its arguments', required: true, ignoreStdin: true}),
  }

  static override flags = {
    host: Flags.string({char: 'H', description: 'daemon socket to connect to (default: $DOCKER_HOST or unix:///var/run/docker.sock)'}),
    interactive: Flags.boolean({char: 'i', description: 'keep STDIN open and copy it to the command'}),
    tty: Flags.boolean({char: 't', description: 'allocate a pseudo-TTY'}),
    detach: Flags.boolean({char: 'd', description: 'detached mode: run the command in the background'}),
    env: Flags.string({char: 'e', description: 'set environment variables (NAME=value, or NAME to pass ours)', multiple: true, multipleNonGreedy: true}),
    'env-file': Flags.string({description: 'read in a file of environment variables', multiple: true, multipleNonGreedy: true}),
    user: Flags.string({char: 'u', description: 'username or UID (format: "<name|uid>[:<group|gid>]")'}),
    workdir: Flags.string({char: 'w', description: 'working directory inside the container'}),
    privileged: Flags.boolean({description: 'give extended privileges to the command'}),
    'detach-keys': Flags.string({description: 'override the key sequence for detaching (default ctrl-p,ctrl-q)'}),
  }

  async run(): Promise<void> {
    const {flags, argv} = await this.parse(Exec)
    const [container, ...cmd] = argv as string[]
    const stdin = process.stdin
    const interactive = flags.interactive && !flags.detach
    if (interactive && flags.tty && !stdin.isTTY) {
      throw new HijackError('cannot attach stdin to a TTY-enabled container because stdin is not a terminal')
    }
    const detachKeys = flags['detach-keys'] || configuredDetachKeys()
    const keys = parseDetachKeys(detachKeys ?? DEFAULT_DETACH_KEYS)
    const env: string[] = []
    for (const file of flags['env-file'] ?? []) env.push(...(await readEnvFile(file)))
    for (const entry of flags.env ?? []) env.push(expandEnvFlag(entry))

    const api = await DockerApi.connect(resolveHost(flags.host))
    // Inspect first so "No such container" wins and no exec is created for nothing.
    await api.inspectContainer(container)
    const consoleSize = flags.tty && api.supports('1.42') ? terminalSize(process.stdout) : undefined
    const execId = await api.createExec(container, {
      AttachStdin: interactive,
      AttachStdout: !flags.detach,
      AttachStderr: !flags.detach,
      Tty: flags.tty,
      Cmd: cmd,
      ...(env.length > 0 && {Env: env}),
      ...(flags.workdir && {WorkingDir: flags.workdir}),
      ...(flags.user && {User: flags.user}),
      ...(flags.privileged && {Privileged: true}),
      ...(detachKeys && {DetachKeys: detachKeys}),
      ...(consoleSize && {ConsoleSize: consoleSize}),
    })
    if (flags.detach) {
      await api.startExecDetached(execId, flags.tty)
      return
    }

    const {socket} = await api.startExec(execId, flags.tty, consoleSize)
    const restore = interactive && flags.tty && stdin.isTTY ? enterRawMode(stdin as ReadStream) : undefined
    const stopResize = flags.tty ? followTerminalSize(process.stdout, (h, w) => api.resizeExec(execId, h, w)) : undefined
    try {
      const result = await runSession({
        socket,
        tty: flags.tty,
        stdin: interactive ? stdin : undefined,
        stdout: process.stdout,
        stderr: process.stderr,
        halfClose: true,
        detachKeys: keys,
      })
      if (result.detached) this.fail('read escape sequence', 1)
      if (result.outputClosed) this.exit(141)
    } finally {
      stopResize?.()
      restore?.()
    }
    const code = await execExitCode(api, execId)
    if (code !== 0) this.exit(code)
  }
}
