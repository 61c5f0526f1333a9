// The one validator of the mock's API input: query values, JSON body fields, path references, signals
// and detach keys. Everything a client can get wrong becomes an ApiError here, in Docker's words.
import {constants as osConstants} from 'node:os'
import {DEFAULT_DETACH_KEYS, DetachKeysError, parseDetachKeys} from '../../protocol/detach-keys.js'
import {AmbiguousError} from '../engine/container-store.js'
import type {Container} from '../engine/container.js'
import type {Engine} from '../engine/engine.js'
import type {ApiContext} from './context.js'
import {parseFilterJson} from './filters.js'
import type {ExecRecord} from '../engine/exec.js'
import {type Swarm, SwarmAmbiguousError} from '../engine/swarm.js'
import {ApiError} from '../server/api-error.js'
import type {DaemonRequest} from '../server/daemon-request.js'

/** A path parameter, percent-decoded. */
export function decodeParam(raw: string): string {
  try {
    return decodeURIComponent(raw)
  } catch {
    throw new ApiError(400, `malformed path parameter ${JSON.stringify(raw)}`)
  }
}

/** Docker's boolean query values: anything but "", 0, no, false, none is true. */
export function boolQuery(req: DaemonRequest, name: string): boolean {
  const value = (req.query.get(name) ?? '').trim().toLowerCase()
  return !['', '0', 'no', 'false', 'none'].includes(value)
}

/** Strict booleans (stats `stream`, `one-shot`): Go's strconv.ParseBool, a 400 otherwise. */
export function strictBoolQuery(req: DaemonRequest, name: string, fallback: boolean): boolean {
  const raw = req.query.get(name)
  if (raw === null || raw === '') return fallback
  if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(raw)) return true
  if (['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(raw)) return false
  throw new ApiError(400, `invalid value for ${name}: ${JSON.stringify(raw)}`)
}

/**
 * A `since`/`until` value as the Docker CLI sends it: Unix seconds with up to 9 decimals
 * (`1700000000.123456789`). Nanoseconds since the epoch; undefined when absent or 0.
 */
export function timestampQuery(req: DaemonRequest, name: string): bigint | undefined {
  const raw = req.query.get(name)
  if (raw === null || raw === '') return undefined
  const m = /^(-?\d+)(?:\.(\d{1,9}))?$/.exec(raw.trim())
  if (!m) throw new ApiError(400, `invalid value for ${name}: ${JSON.stringify(raw)}: expected Unix seconds, optionally with up to 9 decimals`)
  const nanos = BigInt(m[1]) * 1_000_000_000n + BigInt((m[2] ?? '').padEnd(9, '0'))
  return nanos === 0n ? undefined : nanos
}

export type Filters = Map<string, string[]>

/**
 * `?filters=` in either of Docker's JSON forms ({"k": {"v": true}} or {"k": ["v"]}), against the names
 * the endpoint knows: an unknown one is dockerd's 400 `invalid filter 'x'`; one dockerd knows that the
 * mock does not implement (`unsupported`) is refused rather than ignored.
 */
export function filtersQuery(req: DaemonRequest, known: readonly string[], unsupported: readonly string[] = [], invalid = 'invalid filter'): Filters {
  const filters: Filters = new Map()
  for (const [key, values] of parseFilterJson(req.query.get('filters'))) {
    if (unsupported.includes(key)) throw new ApiError(400, `filter '${key}' is not supported by the hijack mock daemon`)
    if (!known.includes(key)) throw new ApiError(400, `${invalid} '${key}'`)
    if (values.length > 0) filters.set(key, values)
  }
  return filters
}

/** A filter whose values must be booleans (`dangling`). */
export function boolFilter(filters: Filters, key: string): void {
  const values = filters.get(key) ?? []
  if (!values.every((v) => ['true', 'false', '1', '0'].includes(v))) throw new ApiError(400, `invalid filter '${key}=${values.join(',')}'`)
}

/** dockerd's label filter: every `key` or `key=value` must hold. */
export function labelsMatch(values: string[] | undefined, labels: Record<string, string>): boolean {
  if (!values) return true
  return values.every((value) => {
    const eq = value.indexOf('=')
    if (eq < 0) return Object.hasOwn(labels, value)
    const key = value.slice(0, eq)
    return Object.hasOwn(labels, key) && labels[key] === value.slice(eq + 1)
  })
}

export function intQuery(req: DaemonRequest, name: string, fallback: number): number {
  const raw = req.query.get(name)
  if (raw === null || raw === '') return fallback
  if (!/^-?\d+$/.test(raw.trim())) throw new ApiError(400, `invalid value for ${name}: ${JSON.stringify(raw)}`)
  return Number(raw)
}

/** `?h=&w=` of a resize. */
export function resizeQuery(req: DaemonRequest): [number, number] {
  const h = intQuery(req, 'h', 0)
  const w = intQuery(req, 'w', 0)
  if (h < 0 || w < 0 || h > 0xffff || w > 0xffff) throw new ApiError(400, 'invalid resize dimensions')
  return [h, w]
}

export function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string')
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** Docker's strslice: a JSON string is a one-element list; null is empty. */
export function strslice(value: unknown, field: string): string[] {
  if (value === undefined || value === null) return []
  if (typeof value === 'string') return [value]
  if (isStringArray(value)) return value
  throw new ApiError(400, `${field} must be a string or an array of strings`)
}

export function optionalBool(value: unknown, field: string): boolean {
  if (value === undefined || value === null) return false
  if (typeof value !== 'boolean') throw new ApiError(400, `${field} must be true or false`)
  return value
}

/** An optional `Env`: absent, null, or a list of strings. */
export function envList(value: unknown): string[] {
  if (value === undefined || value === null) return []
  if (!isStringArray(value)) throw new ApiError(400, 'Env must be an array of strings')
  return value
}

/** `KILL`, `SIGKILL` or `9` to a Node signal name; undefined when unknown. */
export function parseSignal(raw: string): NodeJS.Signals | undefined {
  const value = raw.trim().toUpperCase()
  if (/^\d+$/.test(value)) {
    const n = Number(value)
    return (Object.keys(osConstants.signals) as NodeJS.Signals[]).find((name) => osConstants.signals[name] === n)
  }
  const name = (value.startsWith('SIG') ? value : `SIG${value}`) as NodeJS.Signals
  return name in osConstants.signals ? name : undefined
}

/** A signal the client named; unknown is a 400 in dockerd's words. */
export function signal(raw: string): NodeJS.Signals {
  const parsed = parseSignal(raw)
  if (!parsed) throw new ApiError(400, `Invalid signal: ${raw}`)
  return parsed
}

/** A detach-key spec ('' is Docker's default); outside the grammar is a 400. */
export function detachKeys(spec: string): string {
  try {
    parseDetachKeys(spec || DEFAULT_DETACH_KEYS)
  } catch (error) {
    if (error instanceof DetachKeysError) throw new ApiError(400, error.message)
    throw error
  }
  return spec
}

/** The container `ref` names (id, id prefix or name): 404 when none, 400 when a prefix is ambiguous. */
export function findContainer(ctx: ApiContext, ref: string): Container {
  let found: Container | undefined
  try {
    found = ctx.engine.containers.find(ref)
  } catch (error) {
    if (error instanceof AmbiguousError) throw new ApiError(400, error.message)
    throw error
  }
  if (!found) throw new ApiError(404, ctx.flavor.noSuchContainer(ref))
  return found
}

/** The container must be running (top, pause, stats): a 409 otherwise. */
export function runningContainer(ctx: ApiContext, ref: string): Container {
  const c = findContainer(ctx, ref)
  if (!c.running) throw new ApiError(409, `Container ${c.id} is not running`)
  return c
}

/** dockerd's 409 for an exec into a paused container. */
export function notPaused(c: Container): void {
  if (c.paused) throw new ApiError(409, `Container ${c.id} is paused, unpause the container before exec`)
}

export function findExec(engine: Engine, id: string): ExecRecord {
  const record = engine.execs.get(id)
  if (!record) throw new ApiError(404, `No such exec instance: ${id}`)
  return record
}

const NOT_A_MANAGER = 'This node is not a swarm manager. Use "docker swarm init" or "docker swarm join" to connect this node to swarm and try again.'

/** The swarm this daemon manages; without one, a 503 as from a dockerd outside any swarm. */
export function managedSwarm(engine: Engine): Swarm {
  if (!engine.swarm) throw new ApiError(503, NOT_A_MANAGER)
  return engine.swarm
}

/** A node, service or task `ref` names (id, name or id prefix): 404 when none, 400 when a prefix is ambiguous. */
export function findSwarmObject<T>(kind: 'node' | 'service' | 'task', ref: string, find: (ref: string) => T | undefined): T {
  let found: T | undefined
  try {
    found = find(ref)
  } catch (error) {
    if (error instanceof SwarmAmbiguousError) throw new ApiError(400, error.message)
    throw error
  }
  if (found === undefined) throw new ApiError(404, `${kind} ${ref} not found`)
  return found
}
