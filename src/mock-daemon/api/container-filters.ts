// `GET /containers/json?filters=...`: dockerd's filter forms and how each one matches.
import type {Container} from '../engine/container.js'
import {ApiError} from '../server/api-error.js'
import {parseFilterJson} from './filters.js'

const STATES = ['created', 'restarting', 'running', 'removing', 'paused', 'exited', 'dead']
const SUPPORTED_FILTERS = new Set(['id', 'name', 'label', 'status', 'exited'])
/** Filters dockerd knows that the mock does not implement: refused rather than ignored. */
const UNSUPPORTED_FILTERS = new Set(['ancestor', 'before', 'since', 'volume', 'network', 'publish', 'expose', 'health', 'isolation', 'is-task'])

/** The container list's filters: only keys it knows, values it can match; keys without values dropped. */
export function parseFilters(raw: string | null): Map<string, string[]> {
  const filters = new Map<string, string[]>()
  for (const [key, values] of parseFilterJson(raw)) {
    if (UNSUPPORTED_FILTERS.has(key)) throw new ApiError(400, `filter '${key}' is not supported by the hijack mock daemon`)
    if (!SUPPORTED_FILTERS.has(key)) throw new ApiError(400, `invalid filter '${key}'`)
    if (key === 'status') {
      for (const v of values) if (!STATES.includes(v)) throw new ApiError(400, `invalid filter 'status=${v}'`)
    }
    if (key === 'exited') {
      for (const v of values) if (!/^-?\d+$/.test(v)) throw new ApiError(400, `invalid filter 'exited=${v}'`)
    }
    if (values.length > 0) filters.set(key, values)
  }
  return filters
}

/** dockerd's filter match: the exact value, or the value as a regular expression anywhere in `source`. */
function matches(values: string[] | undefined, source: string): boolean {
  if (!values) return true
  return values.some((value) => {
    if (value === source) return true
    try {
      return new RegExp(value).test(source)
    } catch {
      return false
    }
  })
}

/** Every `key` or `key=value` must hold. */
function labelsMatch(values: string[] | undefined, labels: Record<string, string>): boolean {
  if (!values) return true
  return values.every((value) => {
    const eq = value.indexOf('=')
    if (eq < 0) return Object.hasOwn(labels, value)
    const key = value.slice(0, eq)
    return Object.hasOwn(labels, key) && labels[key] === value.slice(eq + 1)
  })
}

/** Whether `c` passes every filter (and is running, unless `all`). */
export function listed(c: Container, filters: Map<string, string[]>, all: boolean): boolean {
  const exited = filters.get('exited')?.map(Number)
  return (all || c.running) &&
    // dockerd tries the name with and without its slash: `name=^web$` and `name=^/web$` both work.
    (matches(filters.get('name'), `/${c.name}`) || matches(filters.get('name'), c.name)) &&
    matches(filters.get('id'), c.id) &&
    labelsMatch(filters.get('label'), c.spec.labels) &&
    matches(filters.get('status'), c.status) &&
    (!exited || (!c.running && exited.includes(c.exitCode)))
}
