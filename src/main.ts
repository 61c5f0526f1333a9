// The CLI entry. Plainly valid `exec`/`attach` invocations run without loading oclif (its import alone
// costs ~100 ms here); help, version, bad flags and every other command go through oclif unchanged.
// `npm run build` also bundles this file with what the fast path needs into dist/main.cjs, which
// bin/run.cjs loads: one CommonJS file starts ~20 ms sooner than a graph of ES modules (BENCHMARKS.md).
import {normalizeArgv, flagShape, type CommandShape} from './cli/argv.js'
import {fastParse} from './cli/fast-parse.js'
import {ATTACH_FLAGS, ENDPOINT_FLAGS, EXEC_FLAGS, type AttachFlags, type ExecFlags} from './cli/flag-specs.js'

export const COMMAND_SHAPES: Record<string, CommandShape> = {
  exec: {flags: flagShape(EXEC_FLAGS), stopAfterOperand: true},
  attach: {flags: flagShape(ATTACH_FLAGS), stopAfterOperand: false},
  version: {flags: flagShape({...ENDPOINT_FLAGS, format: {type: 'option', char: 'f'}}), stopAfterOperand: false},
}

export async function main(argv: string[] = process.argv.slice(2)): Promise<void> {
  const args = normalizeArgv(argv, COMMAND_SHAPES)
  const fast = fastCommand(args)
  if (fast) {
    const {exitWhenFlushed, watchOutputErrors} = await import('./cli/exit.js')
    watchOutputErrors()
    await exitWhenFlushed(await runFast(fast))
  }
  const {runOclif} = await oclifMain()
  await runOclif(args)
}

/** oclif-main.js beside this file, by a URL the bundler cannot follow (the bundle defines import.meta.url). */
function oclifMain(): Promise<typeof import('./oclif-main.js')> {
  return import(new URL('oclif-main.js', import.meta.url).href)
}

type FastCommand =
  | {command: 'exec'; flags: ExecFlags; argv: string[]}
  | {command: 'attach'; flags: AttachFlags; argv: string[]}

/** The command, when its argv needs nothing from oclif; undefined hands it to oclif. */
function fastCommand(args: string[]): FastCommand | undefined {
  if (process.env.HIJACK_NO_FAST_PATH) return undefined
  const [command, ...rest] = args
  if (command === 'exec') {
    // With --filter or --service every operand is the command, so one is enough.
    const parsed = fastParse(rest, EXEC_FLAGS, 1)
    if (!parsed || parsed.argv.length < (parsed.flags.filter || parsed.flags.service !== undefined ? 1 : 2)) return undefined
    return {command, flags: parsed.flags as ExecFlags, argv: parsed.argv}
  }
  if (command === 'attach') {
    // With --service there is no CONTAINER (runAttach refuses one).
    const parsed = fastParse(rest, ATTACH_FLAGS, 0, 1)
    if (!parsed || (parsed.argv.length === 0 && parsed.flags.service === undefined)) return undefined
    return {command, flags: parsed.flags as AttachFlags, argv: parsed.argv}
  }
  return undefined
}

/** Runs the command directly and gives its exit status. */
async function runFast(fast: FastCommand): Promise<number> {
  const {reportError} = await import('./cli/report.js')
  try {
    if (fast.command === 'exec') {
      const {runExec} = await import('./cli/exec-main.js')
      const [container, ...cmd] = fast.argv
      return await runExec(fast.flags, container, cmd)
    }
    const {runAttach} = await import('./cli/attach-main.js')
    return await runAttach(fast.flags, fast.argv.at(0))
  } catch (error) {
    try {
      return reportError(error)
    } catch {
      // Not an expected failure: let oclif print it as it prints any crash.
      await (await oclifMain()).handleCrash(error)
      return 1
    }
  }
}
