// `GET /containers/json?filters=...`: dockerd's filter forms and how each one matches.
import type {Container} from '../engine/container.js'
import {ApiError} from '../server/api-error.js'
import type {DaemonRequest} from '../server/daemon-request.js'
import {type Filters, filtersQuery, labelsMatch} from './validate.js'

const STATES = ['created', 'restarting', 'running', 'removing', 'paused', 'exited', 'dead']
const SUPPORTED_FILTERS = ['id', 'name', 'label', 'status', 'exited']
/** Filters dockerd knows that the mock does not implement: refused rather than ignored. */
const UNSUPPORTED_FILTERS = ['ancestor', 'before', 'since', 'volume', 'network', 'publish', 'expose', 'health', 'isolation', 'is-task']

/** The list's `filters`, with dockerd's checks of the status and exited values. */
export function containerFilters(req: DaemonRequest): Filters {
  const filters = filtersQuery(req, SUPPORTED_FILTERS, UNSUPPORTED_FILTERS)
  for (const v of filters.get('status') ?? []) if (!STATES.includes(v)) throw new ApiError(400, `invalid filter 'status=${v}'`)
  for (const v of filters.get('exited') ?? []) if (!/^-?\d+$/.test(v)) throw new ApiError(400, `invalid filter 'exited=${v}'`)
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

/** Whether `c` passes every filter (and is running, unless `all`). */
export function listed(c: Container, filters: Filters, all: boolean): boolean {
  const exited = filters.get('exited')?.map(Number)
  return (all || c.running) &&
    // dockerd tries the name with and without its slash: `name=^web$` and `name=^/web$` both work.
    (matches(filters.get('name'), `/${c.name}`) || matches(filters.get('name'), c.name)) &&
    matches(filters.get('id'), c.id) &&
    labelsMatch(filters.get('label'), c.spec.labels) &&
    matches(filters.get('status'), c.paused ? 'paused' : c.status) &&
    (!exited || (!c.running && exited.includes(c.exitCode)))
}
