// The CLI entry. Plainly valid `exec`/`attach` invocations run without loading oclif (its import alone
// costs ~100 ms here); help, version, bad flags and every other command go through oclif unchanged.
// `npm run build` also bundles this file with what the fast path needs into dist/main.cjs, which
// bin/run.cjs loads: one CommonJS file starts ~20 ms sooner than a graph of ES modules (BENCHMARKS.md).
import {normalizeArgv, flagShape, type CommandShape} from './cli/argv.js'
import {fastParse} from './cli/fast-parse.js'
import {ATTACH_FLAGS, EXEC_FLAGS, type AttachFlags, type ExecFlags} from './cli/flag-specs.js'

export const COMMAND_SHAPES: Record<string, CommandShape> = {
  exec: {flags: flagShape(EXEC_FLAGS), stopAfterOperand: true},
  attach: {flags: flagShape(ATTACH_FLAGS), stopAfterOperand: false},
}

export async function main(argv: string[] = process.argv.slice(2)): Promise<void> {
  const args = normalizeArgv(argv, COMMAND_SHAPES)
  const code = await runFast(args)
  if (code !== undefined) {
    const {exitWhenFlushed} = await import('./cli/exit.js')
    await exitWhenFlushed(code)
  }
  const {runOclif} = await oclifMain()
  await runOclif(args)
}

/** oclif-main.js beside this file, by a URL the bundler cannot follow (the bundle defines import.meta.url). */
function oclifMain(): Promise<typeof import('./oclif-main.js')> {
  return import(new URL('oclif-main.js', import.meta.url).href)
}

/** Runs the command directly when its argv needs nothing from oclif; undefined hands it to oclif. */
async function runFast(args: string[]): Promise<number | undefined> {
  if (process.env.HIJACK_NO_FAST_PATH) return undefined
  const [command, ...rest] = args
  const parsed = command === 'exec' ? fastParse(rest, EXEC_FLAGS, 2)
    : command === 'attach' ? fastParse(rest, ATTACH_FLAGS, 1, 1)
    : undefined
  if (!parsed) return undefined
  const {reportError} = await import('./cli/report.js')
  const {watchOutputErrors} = await import('./cli/exit.js')
  watchOutputErrors()
  try {
    if (command === 'exec') {
      const {runExec} = await import('./cli/exec-main.js')
      const [container, ...cmd] = parsed.argv
      return await runExec(parsed.flags as ExecFlags, container, cmd)
    }
    const {runAttach} = await import('./cli/attach-main.js')
    return await runAttach(parsed.flags as AttachFlags, parsed.argv[0])
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
