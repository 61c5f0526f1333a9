import {Args, Flags} from '@oclif/core'
import type {ReadStream} from 'node:tty'
import {HijackCommand} from '../cli/base-command.js'
import {configuredDetachKeys} from '../cli/docker-config.js'
import {proxySignals, signalExitCode} from '../cli/signal-proxy.js'
import {enterRawMode, followTerminalSize} from '../cli/terminal.js'
import {DEFAULT_DETACH_KEYS, DockerApi, HijackError, parseDetachKeys, resolveHost, runSession} from '../transport/index.js'

export default class Attach extends HijackCommand {
  static override summary = "Attach local standard input, output, and error streams to a running container"
  static override description = `Like docker attach, over the Engine API's hijacked connection.
Exit status is the container's; 1 for daemon, connection and stream errors or a detach; 125 for bad flags.
Stdin EOF half-closes the connection only for StdinOnce containers; otherwise output keeps streaming until
the container exits (dockerd would end the stream early, moby#38457).`
  static override dockerUsage = '[OPTIONS] CONTAINER'
  static override minArgs = 1
  static override usage = 'attach [OPTIONS] CONTAINER'
  static override examples = ['<%= config.bin %> attach mycontainer', 'printf "hello\\n" | <%= config.bin %> attach catcontainer']

  static override args = {
    container: Args.string({description: 'container name or id', required: true, ignoreStdin: true}),
  }

  static override flags = {
    host: Flags.string({char: 'H', description: 'daemon socket to connect to (default: $DOCKER_HOST or unix:///var/run/docker.sock)'}),
    'no-stdin': Flags.boolean({description: 'do not attach STDIN'}),
    'sig-proxy': Flags.boolean({description: 'proxy all received signals to the process (--sig-proxy=false to turn off)', default: true, allowNo: true}),
    'detach-keys': Flags.string({description: 'override the key sequence for detaching (default ctrl-p,ctrl-q)'}),
    logs: Flags.boolean({description: 'replay the container\'s earlier output before streaming (beyond Docker)'}),
  }

  async run(): Promise<void> {
    const {flags, args} = await this.parse(Attach)
    const {container} = args
    const api = await DockerApi.connect(resolveHost(flags.host))
    // Wait is sent before inspect so an exit right after we look is not missed.
    const exited = api.waitContainer(container)
    exited.catch(() => {}) // inspect reports a missing container better; the rejection is read below if it matters
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
    const stopResize = tty ? followTerminalSize(process.stdout, (h, w) => api.resizeContainer(container, h, w), {initialRetries: 0, bump: true}) : undefined
    const stopSignals = !tty && flags['sig-proxy']
      ? proxySignals(
          (name) => api.killContainer(container, name),
          (signal) => this.fail(`forced exit after ${signal} x3: the container may still be running`, signalExitCode(signal)),
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
        halfClose: withStdin && Boolean(info.Config.StdinOnce),
        detachKeys: keys,
      })
      if (result.detached) this.fail('read escape sequence', 1)
      if (result.outputClosed) this.exit(141)
      const status = await exited
      if (status.Error?.Message) process.stderr.write(`${status.Error.Message}\n`)
      if (status.StatusCode !== 0) this.exit(status.StatusCode)
    } finally {
      stopSignals?.()
      stopResize?.()
      restore?.()
    }
  }
}
