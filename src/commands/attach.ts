import {Args} from '@oclif/core'
import {runAttach} from '../cli/attach-main.js'
import {HijackCommand} from '../cli/base-command.js'
import {ATTACH_FLAGS, type AttachFlags} from '../cli/flag-specs.js'
import {oclifFlags} from '../cli/oclif-flags.js'

export default class Attach extends HijackCommand {
  static override summary = 'Attach local standard input, output, and error streams to a running container'
  static override description = `Like docker attach, over the Engine API's hijacked connection.
Exit status is the container's; 1 for daemon, connection and stream errors or a detach; 125 for bad flags.
Stdin EOF half-closes the connection only for StdinOnce containers; otherwise output keeps streaming until
the container exits (dockerd would end the stream early, moby#38457).

With --service NAME --task SLOT|ID (and no CONTAINER), attaches to that swarm task's container on its own
node: -H/--context name the manager, --node-host or --node-context the node's daemon (as for exec).`
  static override dockerUsage = '[OPTIONS] CONTAINER'
  static override usage = ['attach [OPTIONS] CONTAINER', 'attach [OPTIONS] --service NAME [--task SLOT|ID]']
  static override minArgs = 1
  static override exactArgs = true
  static override examples = [
    '<%= config.bin %> attach mycontainer',
    'printf "hello\\n" | <%= config.bin %> attach catcontainer',
    '<%= config.bin %> attach -H ssh://admin@manager --service web --task 2 --node-host ssh://admin@{hostname}',
  ]

  static override args = {
    // Not required for oclif: with --service there is none; run() checks.
    container: Args.string({description: 'container name or id (none with --service)', ignoreStdin: true}),
  }

  static override flags = oclifFlags(ATTACH_FLAGS)

  async run(): Promise<void> {
    const {flags, args} = await this.parse(Attach)
    if (args.container === undefined && (flags as AttachFlags).service === undefined) this.missingArgs()
    const code = await runAttach(flags as AttachFlags, args.container)
    if (code !== 0) this.exit(code)
  }
}
