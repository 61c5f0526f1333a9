import {createReadStream} from 'node:fs'
import {UsageError} from '../transport/errors.js'

/** `-e NAME` without `=` takes the value from our own environment, as Docker does; unset stays bare. */
export function expandEnvFlag(entry: string, env: NodeJS.ProcessEnv = process.env): string {
  if (entry.includes('=')) return entry
  const value = env[entry]
  return value === undefined ? entry : `${entry}=${value}`
}

/**
 * Reads a Docker env file: `NAME=value` lines verbatim (no quote handling), `#` comments and blank
 * lines skipped, bare `NAME` taken from our environment or dropped when unset.
 */
export async function readEnvFile(path: string, env: NodeJS.ProcessEnv = process.env): Promise<string[]> {
  const entries: string[] = []
  // split2 is loaded only when an env file is given: it is CommonJS, and loading it costs every exec.
  const {default: split2} = await import('split2')
  const source = createReadStream(path)
  const lines = source.pipe(split2())
  source.on('error', (error) => lines.destroy(error)) // pipe() does not forward a missing file's error
  let lineNo = 0
  try {
    for await (const raw of lines as AsyncIterable<string>) {
      lineNo++
      const line = (lineNo === 1 ? raw.replace(/^\uFEFF/, '') : raw).replace(/^\s+/, '')
      if (line === '' || line.startsWith('#')) continue
      const eq = line.indexOf('=')
      const name = eq === -1 ? line.trimEnd() : line.slice(0, eq)
      if (name === '') throw new UsageError(`invalid env file ${path}: no variable name on line ${lineNo}`)
      if (/\s/.test(name)) throw new UsageError(`invalid env file ${path}: variable '${name}' contains whitespaces`)
      if (eq !== -1) entries.push(line)
      else if (env[name] !== undefined) entries.push(`${name}=${env[name]}`)
    }
  } catch (error) {
    if (error instanceof UsageError) throw error
    throw new UsageError(`cannot read env file: ${(error as Error).message}`)
  }
  return entries
}
