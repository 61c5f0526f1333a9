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
1 for daemon, connection and stream errors; 125 for bad flags; 124 when --timeout expired.

Several containers (a,b,c, or --filter KEY=VALUE and no CONTAINER operand) run at once, each line of
output prefixed with its container's name; the exit status is 124 if any timed out, else the first
non-zero status in selection order (see the README).

With --service NAME (and no CONTAINER operand), the command runs in each running task of a swarm service,
on the task's own node: -H/--context name the manager, --node-host or --node-context each node's daemon
(default: the manager's endpoint with the node in its place); prefixes are service.slot@node. With --task,
only that task, as a plain exec. -t needs --task; --node-host and --node-context exclude each other (125).`
  static override dockerUsage = '[OPTIONS] CONTAINER COMMAND [ARG...]'
  static override usage = ['exec [OPTIONS] CONTAINER COMMAND [ARG...]', 'exec [OPTIONS] --service NAME [--task SLOT|ID] COMMAND [ARG...]']
  static override minArgs = 2
  static override strict = false
  static override examples = [
    '<%= config.bin %> exec mycontainer ls -la /',
    'tar c . | <%= config.bin %> exec -i mycontainer tar x -C /dst',
    '<%= config.bin %> exec --filter label=app=web --timeout 30s sh -c "uptime"',
    '<%= config.bin %> exec --json web1,web2,web3 cat /etc/hostname',
    '<%= config.bin %> exec -it mycontainer sh',
    '<%= config.bin %> exec -H ssh://admin@manager --service web --node-host ssh://admin@{hostname} hostname',
    '<%= config.bin %> exec --context mgr --service web --node-context swarm-{hostname} --task 2 -it sh',
  ]

  // Not required for oclif: with --filter every operand is the command; run() checks the count.
  static override args = {
    container: Args.string({description: 'container name or id; several as a,b,c', ignoreStdin: true}),
    command: Args.string({description: 'command to run, followed by its arguments', ignoreStdin: true}),
  }

  static override flags = oclifFlags(EXEC_FLAGS)

  async run(): Promise<void> {
    const {flags} = await this.parse(Exec)
    // oclif's argv is sorted by first occurrence, which reorders repeated operands (`exec c echo c`):
    // take them from after the `--` that argv shaping puts before the operands.
    const operands = operandsAfterSeparator(this.argv, COMMAND_SHAPES.exec)
    const onlyCommand = Boolean((flags as ExecFlags).filter?.length) || (flags as ExecFlags).service !== undefined
    if (operands.length < (onlyCommand ? 1 : 2)) this.missingArgs()
    const [container, ...cmd] = operands
    const code = await runExec(flags as ExecFlags, container, cmd)
    if (code !== 0) this.exit(code)
  }
}
