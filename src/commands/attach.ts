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
the container exits (dockerd would end the stream early, moby#38457).`
  static override dockerUsage = '[OPTIONS] CONTAINER'
  static override usage = 'attach [OPTIONS] CONTAINER'
  static override minArgs = 1
  static override exactArgs = true
  static override examples = ['<%= config.bin %> attach mycontainer', 'printf "hello\\n" | <%= config.bin %> attach catcontainer']

  static override args = {
    container: Args.string({description: 'container name or id', required: true, ignoreStdin: true}),
  }

  static override flags = oclifFlags(ATTACH_FLAGS)

  async run(): Promise<void> {
    const {flags, args} = await this.parse(Attach)
    const code = await runAttach(flags as AttachFlags, args.container)
    if (code !== 0) this.exit(code)
  }
}
