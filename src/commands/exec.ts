import {Args} from '@oclif/core'
import {operandsAfterSeparator} from '../cli/argv.js'
import {HijackCommand} from '../cli/base-command.js'
import {runExec} from '../cli/exec-main.js'
import {EXEC_FLAGS, type ExecFlags} from '../cli/flag-specs.js'
import {oclifFlags} from '../cli/oclif-flags.js'
import {COMMAND_SHAPES} from '../main.js'

export default class Exec extends HijackCommand {
  static override summary = 'Execute a command in a running container'
  static override description = `Like docker exec, over the Engine API's hijacked connection.
Everything after CONTAINER COMMAND is passed to the command. Exit status is the command's own;
1 for daemon, connection and stream errors; 125 for bad flags (see the README for the full list).`
  static override dockerUsage = '[OPTIONS] CONTAINER COMMAND [ARG...]'
  static override usage = 'exec [OPTIONS] CONTAINER COMMAND [ARG...]'
  static override minArgs = 2
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

  static override flags = oclifFlags(EXEC_FLAGS)

  async run(): Promise<void> {
    const {flags} = await this.parse(Exec)
    // oclif's argv is sorted by first occurrence, which reorders repeated operands (`exec c echo c`):
    // take them from after the `--` that argv shaping puts before the operands.
    const [container, ...cmd] = operandsAfterSeparator(this.argv, COMMAND_SHAPES.exec)
    const code = await runExec(flags as ExecFlags, container, cmd)
    if (code !== 0) this.exit(code)
  }
}
