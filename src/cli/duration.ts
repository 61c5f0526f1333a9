import {UsageError} from '../transport/errors.js'

const UNIT_MS: Record<string, number> = {ms: 1, s: 1000, m: 60_000, h: 3_600_000}
/** setTimeout's limit: a longer timer would fire at once. */
const MAX_MS = 2 ** 31 - 1

/** `500ms`, `30s`, `1.5m`, `2h` (a bare number is seconds, as for `timeout`) in milliseconds, > 0. */
export function parseDuration(flag: string, raw: string): number {
  const m = /^(\d+(?:\.\d+)?|\.\d+)(ms|s|m|h)?$/.exec(raw.trim())
  const ms = m ? Math.round(Number(m[1]) * UNIT_MS[m[2] ?? 's']) : Number.NaN
  if (!(ms > 0) || ms > MAX_MS) {
    throw new UsageError(`invalid argument "${raw}" for "--${flag}" flag: expected a duration such as 500ms, 30s or 2m (at most 24 days)`)
  }
  return ms
}
