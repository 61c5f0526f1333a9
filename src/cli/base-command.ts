import {Command, Errors} from '@oclif/core'
import {expectedFailure, printLine, reportError} from './report.js'

/**
 * Shared error handling: expected failures print one line in Docker's words and exit with the code
 * their error carries; oclif's parse errors get Docker's codes (125 bad flag, 1 missing argument).
 */
export abstract class HijackCommand extends Command {
  /** `[OPTIONS] CONTAINER ...` as in Docker's usage line. */
  static dockerUsage = ''
  static minArgs = 0
  /** Docker says "exactly" for commands with a fixed count (attach) and exits 1 for too many too. */
  static exactArgs = false

  protected fail(message: string, exitCode: number): never {
    printLine(message)
    return this.exit(exitCode)
  }

  protected override async catch(error: Error & {exitCode?: number; oclif?: {exit?: number}}): Promise<unknown> {
    if (error instanceof Errors.ExitError) throw error
    const ctor = this.constructor as typeof HijackCommand
    const name = `hijack ${this.id ?? ''}`.trim()
    if (expectedFailure(error)) return this.exit(reportError(error))
    // oclif does not export its parser error classes; their names are stable across 4.x.
    const kind = error.constructor.name
    if (kind === 'RequiredArgsError' || (kind === 'UnexpectedArgsError' && ctor.exactArgs)) {
      return this.fail(
        `"${name}" requires ${ctor.exactArgs ? 'exactly' : 'at least'} ${ctor.minArgs} argument${ctor.minArgs === 1 ? '' : 's'}.\n` +
          `See '${name} --help'.\n\nUsage:  ${name} ${ctor.dockerUsage}\n\n${ctor.summary ?? ''}\n`,
        1,
      )
    }
    if (kind === 'NonExistentFlagsError') {
      const flag = error.message.match(/Nonexistent flags?: ([^\s,]+)/)?.[1] ?? error.message
      return this.fail(`unknown flag: ${flag}\nSee '${name} --help'.`, 125)
    }
    if (error instanceof Errors.CLIError && ((error as {parse?: unknown}).parse !== undefined ||
        /expects a value|can only be specified once|Unexpected argument/.test(error.message))) {
      return this.fail(`${error.message}\nSee '${name} --help'.`, 125)
    }
    throw error
  }
}
