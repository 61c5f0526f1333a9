// The CLI entry. Plainly valid `exec`/`attach` invocations run without loading oclif (its import alone
// costs ~100 ms here); help, version, bad flags and every other command go through oclif unchanged.
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
    process.exit(code)
  }
  const {execute} = await import('@oclif/core')
  await execute({args, dir: import.meta.url})
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
      const {handle} = await import('@oclif/core')
      await handle(error as Error)
      return 1
    }
  }
}
