import {Command, Flags} from '@oclif/core'
import {ConfigError, FaultError, ListenError, startMockDaemon} from '../mock-daemon/index.js'

export default class MockDaemon extends Command {
  static override summary = 'Run a mock Docker daemon for tests: exec, attach, create/start/stop/rm, ps over the Engine API.'

  static override description = 'Containers come from --config or are created through the API (docker create/run, dockerode); ' +
    'their commands run as local processes (runtime "process") or as built-in programs (runtime "builtin"). Faults, from --fault or a container\'s "faults", bend the hijacked ' +
    'streams to test clients: coalesceHead, splitWrites=N, noUpgrade, startError=STATUS:MESSAGE, closeAfterBytes=N, ' +
    'stallMs=N, systemError=TEXT, truncateLastFrame, exitCodeDelayMs=N, lostOutput=N. Prints "hijack mock-daemon listening on URL" ' +
    'once ready; SIGINT/SIGTERM stop it, kill its processes and remove the socket. See docs/mock-daemon.md.'

  static override examples = [
    '<%= config.bin %> <%= command.id %> --socket /tmp/mock.sock --config containers.json',
    '<%= config.bin %> <%= command.id %> --listen tcp://127.0.0.1:0 --config containers.json --fault splitWrites=1',
  ]

  static override flags = {
    socket: Flags.string({description: 'unix socket path to listen on (created mode 0600)', exclusive: ['listen']}),
    listen: Flags.string({description: 'tcp://HOST:PORT to listen on (loopback only unless --unsafe-listen; port 0 = any)', exclusive: ['socket']}),
    'unsafe-listen': Flags.boolean({description: 'allow a non-loopback --listen address (anyone who connects can run commands)'}),
    config: Flags.string({description: 'JSON file: {"defaultRuntime": "process"|"builtin", "containers": [{"name", "cmd", "tty", "openStdin", ...}], "nodes": [...], "services": [...]}'}),
    fault: Flags.string({description: 'daemon-wide fault NAME=VALUE (repeatable; a container\'s own faults win)', multiple: true}),
    log: Flags.boolean({description: 'log one line per request to stderr: method, path, status, duration'}),
  }

  /** A startup problem: one line on stderr (oclif's box would wrap the message), exit 2. */
  private fail(message: string): never {
    process.stderr.write(`hijack mock-daemon: ${message}\n`)
    return this.exit(2)
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(MockDaemon)
    if (!flags.socket && !flags.listen) this.fail('give --socket PATH or --listen tcp://127.0.0.1:PORT')
    let daemon
    try {
      daemon = await startMockDaemon({
        socket: flags.socket,
        listen: flags.listen,
        unsafeListen: flags['unsafe-listen'],
        config: flags.config,
        faults: flags.fault ?? [],
        log: flags.log,
      })
    } catch (error) {
      if (error instanceof ConfigError || error instanceof FaultError || error instanceof ListenError) this.fail(error.message)
      throw error
    }
    this.log(`hijack mock-daemon listening on ${daemon.url}`)
    // A swarm manager (config `nodes`): where each node's daemon is.
    for (const node of daemon.nodes ?? []) this.log(`hijack mock-daemon node ${node.hostname} listening on ${node.url}`)
    await new Promise<void>((resolve) => {
      const stop = (): void => {
        process.off('SIGINT', stop)
        process.off('SIGTERM', stop)
        resolve()
      }
      process.on('SIGINT', stop)
      process.on('SIGTERM', stop)
    })
    await daemon.close()
  }
}
