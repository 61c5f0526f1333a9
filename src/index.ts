import {execute} from '@oclif/core'
import {flagShape, normalizeArgv} from './cli/argv.js'
import Attach from './commands/attach.js'
import Exec from './commands/exec.js'

/** The CLI entry: Docker-style argv shaping, then oclif. */
export async function run(argv: string[] = process.argv.slice(2), options: {development?: boolean} = {}): Promise<void> {
  const args = normalizeArgv(argv, {
    exec: {flags: flagShape(Exec.flags), stopAfterOperand: true},
    attach: {flags: flagShape(Attach.flags), stopAfterOperand: false},
  })
  await execute({args, dir: import.meta.url, development: options.development})
}
