// Request parsing shared by the api-*.ts handlers: Docker's query booleans, integers, timestamps,
// `filters`, and finding a container. (routes.ts has its own copies of the first ones; the re-layout
// that splits it should keep one set, this one.)
import {AmbiguousError, type Container} from './containers.js'
import {ApiError} from './http.js'
import type {Exchange} from './server.js'

export type Handler = (ex: Exchange, ...params: string[]) => Promise<void> | void
export type RouteTable = [method: string, pattern: RegExp, handler: Handler][]

/** Docker's boolean query values: anything but "", 0, no, false, none is true. */
export function boolQuery(ex: Exchange, name: string): boolean {
  const value = (ex.query.get(name) ?? '').trim().toLowerCase()
  return !['', '0', 'no', 'false', 'none'].includes(value)
}

/** Strict booleans (stats `stream`, `one-shot`): dockerd's strconv.ParseBool, 400 otherwise. */
export function strictBoolQuery(ex: Exchange, name: string, fallback: boolean): boolean {
  const raw = ex.query.get(name)
  if (raw === null || raw === '') return fallback
  if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(raw)) return true
  if (['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(raw)) return false
  throw new ApiError(400, `invalid value for ${name}: ${JSON.stringify(raw)}`)
}

export function intQuery(ex: Exchange, name: string, fallback: number): number {
  const raw = ex.query.get(name)
  if (raw === null || raw === '') return fallback
  if (!/^-?\d+$/.test(raw.trim())) throw new ApiError(400, `invalid value for ${name}: ${JSON.stringify(raw)}`)
  return Number(raw)
}

/**
 * A `since`/`until` value as the Docker CLI sends it: Unix seconds with up to 9 decimals
 * (`1700000000.123456789`). Returns nanoseconds since the epoch, undefined when absent or 0.
 */
export function timestampQuery(ex: Exchange, name: string): bigint | undefined {
  const raw = ex.query.get(name)
  if (raw === null || raw === '') return undefined
  const m = /^(-?\d+)(?:\.(\d{1,9}))?$/.exec(raw.trim())
  if (!m) throw new ApiError(400, `invalid value for ${name}: ${JSON.stringify(raw)}: expected Unix seconds, optionally with up to 9 decimals`)
  const nanos = BigInt(m[1]) * 1_000_000_000n + BigInt((m[2] ?? '').padEnd(9, '0'))
  return nanos === 0n ? undefined : nanos
}

/**
 * `filters` in either of Docker's JSON forms ({"k": {"v": true}} or {"k": ["v"]}), checked against the
 * names the endpoint knows: an unknown one is dockerd's 400 `invalid filter 'x'`.
 */
export function filtersQuery(ex: Exchange, known: readonly string[]): Map<string, string[]> {
  const raw = ex.query.get('filters')
  const filters = new Map<string, string[]>()
  if (raw === null || raw.trim() === '') return filters
  let parsed: unknown
  try {
    parsed = JSON.parse(raw)
  } catch (error) {
    throw new ApiError(400, `invalid filter: ${(error as Error).message}`)
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new ApiError(400, 'invalid filter: expected a JSON object')
  for (const [key, value] of Object.entries(parsed)) {
    let values: string[]
    if (Array.isArray(value) && value.every((v) => typeof v === 'string')) values = value
    else if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      values = Object.entries(value).filter(([, on]) => on === true).map(([v]) => v)
    } else throw new ApiError(400, `invalid filter '${key}'`)
    if (!known.includes(key)) throw new ApiError(400, `invalid filter '${key}'`)
    if (values.length > 0) filters.set(key, values)
  }
  return filters
}

/** Every `key` or `key=value` must hold (dockerd's label filter). */
export function labelsMatch(values: string[] | undefined, labels: Record<string, string>): boolean {
  if (!values) return true
  return values.every((value) => {
    const eq = value.indexOf('=')
    if (eq < 0) return Object.hasOwn(labels, value)
    const key = value.slice(0, eq)
    return Object.hasOwn(labels, key) && labels[key] === value.slice(eq + 1)
  })
}

export function findContainer(ex: Exchange, ref: string): Container {
  let found: Container | undefined
  try {
    found = ex.server.containers.find(ref)
  } catch (error) {
    if (error instanceof AmbiguousError) throw new ApiError(400, error.message)
    throw error
  }
  if (!found) throw new ApiError(404, `No such container: ${ref}`)
  return found
}

/** Resolves when the client has gone (its socket closed); `off()` drops the listener. */
export function clientGone(ex: Exchange): {gone: Promise<void>; off: () => void} {
  let onClose = (): void => {}
  const gone = new Promise<void>((resolve) => {
    onClose = () => resolve()
    if (ex.socket.destroyed) resolve()
    else ex.socket.once('close', onClose)
  })
  return {gone, off: () => ex.socket.off('close', onClose)}
}

/** RFC 3339 with nanoseconds, as Go prints a time (`2024-05-01T10:00:00.123456789Z`). */
export function rfc3339Nano(nanos: bigint): string {
  const ms = Number(nanos / 1_000_000n)
  const frac = (nanos % 1_000_000_000n).toString().padStart(9, '0')
  return `${new Date(ms).toISOString().slice(0, 19)}.${frac}Z`
}

export function isPlainObjectValue(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
