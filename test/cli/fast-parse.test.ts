// The fast path must parse exactly as oclif does wherever it answers at all.
import {Parser} from '@oclif/core'
import t from 'tap'
import {normalizeArgv, operandsAfterSeparator} from '../../src/cli/argv.js'
import {fastParse} from '../../src/cli/fast-parse.js'
import {ATTACH_FLAGS, EXEC_FLAGS, type FlagSpecs} from '../../src/cli/flag-specs.js'
import Attach from '../../src/commands/attach.js'
import Exec from '../../src/commands/exec.js'
import {COMMAND_SHAPES} from '../../src/main.js'

type Case = {command: 'exec' | 'attach'; argv: string[]}

// Every combination of a few flag forms and operand shapes, in several orders.
const execFlagForms = [[], ['-i'], ['-t'], ['-it'], ['-d'], ['-e', 'A=1'], ['-eA=1'], ['--env', 'B=2'], ['--env=C=3'],
  ['-e', 'A=1', '-e', 'B'], ['-ie', 'X=1'], ['-u', 'nobody'], ['-w', '/tmp'], ['--workdir=/x'], ['--privileged'],
  ['--detach-keys', 'ctrl-a'], ['-H', 'unix:///x.sock'], ['--env-file', 'f1', '--env-file', 'f2'], ['-u', 'a', '-u', 'b'],
  ['--help'], ['-h'], ['--bogus'], ['-x'], ['-e'], ['-i', '-i'], ['--tty=false'], ['--interactive=true'], ['-e', '-i'], ['--version'], ['-ie=A'], ['-w', '--']]
const operandForms = [[], ['c'], ['c', 'ls'], ['c', 'echo', 'c', 'c'], ['c', 'ls', '-la'], ['c', 'sh', '-c', 'echo --help'], ['c', '-'], ['c', 'x', '--', 'y']]
const attachFlagForms = [[], ['--no-stdin'], ['--sig-proxy=false'], ['--no-sig-proxy'], ['--sig-proxy'], ['--logs'],
  ['--detach-keys=ctrl-x'], ['-H', 'unix:///y.sock'], ['--help'], ['--no-logs'], ['--sig-proxy', '--no-sig-proxy'], ['--no-stdin=false'], ['--logs=true']]
const attachOperands = [[], ['c'], ['c', 'extra']]

const cases: Case[] = []
for (const f of execFlagForms) for (const o of operandForms) cases.push({command: 'exec', argv: [...f, ...o]})
for (const f of attachFlagForms) for (const o of attachOperands) {
  cases.push({command: 'attach', argv: [...f, ...o]}, {command: 'attach', argv: [...o, ...f]})
}

const clean = (flags: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(Object.entries(flags).filter(([, v]) => v !== undefined))

t.test('fast parse agrees with oclif wherever it answers', async (t) => {
  let answered = 0
  for (const {command, argv} of cases) {
    const [, ...args] = normalizeArgv([command, ...argv], COMMAND_SHAPES)
    const specs: FlagSpecs = command === 'exec' ? EXEC_FLAGS : ATTACH_FLAGS
    const fast = command === 'exec' ? fastParse(args, specs, 2) : fastParse(args, specs, 1, 1)
    const Cmd = command === 'exec' ? Exec : Attach
    let oclif: {flags: Record<string, unknown>; argv: unknown[]} | undefined
    try {
      oclif = await Parser.parse(args, {flags: Cmd.flags, args: Cmd.args, strict: Cmd.strict ?? true})
    } catch {
      oclif = undefined
    }
    const label = `${command} ${JSON.stringify(argv)}`
    if (args.includes('--help') || args.includes('-h') || args.includes('--version')) {
      if (!args.slice(args.indexOf('--')).includes('--help') || args.indexOf('--help') < args.indexOf('--')) {
        t.equal(fast, undefined, `${label}: help/version left to oclif`)
      }
    }
    if (!fast) continue
    answered++
    t.ok(oclif, `${label}: oclif accepts what the fast path accepts`)
    if (!oclif) continue
    t.same(clean(fast.flags), clean(oclif.flags), `${label}: same flags`)
    // oclif reorders repeated operands (its argv is sorted by first occurrence); exec takes its operands
    // from after the `--` that argv shaping inserts, and so must the fast path.
    const operands = command === 'exec' ? operandsAfterSeparator(args, COMMAND_SHAPES.exec) : oclif.argv
    t.same(fast.argv, operands, `${label}: same operands`)
  }
  t.ok(answered > 100, `the fast path handles the common cases (${answered} of ${cases.length})`)
})
