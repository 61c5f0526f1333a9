// The one validator of the mock's API input: query values, JSON body fields, path references, signals
// and detach keys. Everything a client can get wrong becomes an ApiError here, in Docker's words.
import {constants as osConstants} from 'node:os'
import {DEFAULT_DETACH_KEYS, DetachKeysError, parseDetachKeys} from '../../protocol/detach-keys.js'
import {AmbiguousError} from '../engine/container-store.js'
import type {Container} from '../engine/container.js'
import type {Engine} from '../engine/engine.js'
import type {ApiContext} from './context.js'
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
