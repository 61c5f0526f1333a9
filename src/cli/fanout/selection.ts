// Which containers a fan-out exec runs in: comma-separated names, or --filter resolved through
// `GET /containers/json` on every daemon. Each becomes a slot, in selection order; a slot that cannot
// run (daemon unreachable, name found nowhere) carries its error instead.
import type {DockerApi} from '../../transport/docker-api.js'
import {HijackError, UsageError} from '../../transport/errors.js'
import type {DockerHost} from '../../transport/host.js'

export interface Slot {
  host: DockerHost
  /** Name (or the reference as given) shown in prefixes and --json. */
  name: string
  /** What to exec in: the id when listed, else the reference as given. */
  ref: string
  /** Why it cannot run. */
  error?: HijackError
}

export type Selection = {names: string[]} | {filters: Record<string, string[]>}

/** `--filter KEY=VALUE` values in Docker's filter map; a value without `=` is a usage error. */
export function parseFilters(values: readonly string[]): Record<string, string[]> {
  const filters: Record<string, string[]> = {}
  for (const value of values) {
    const eq = value.indexOf('=')
    if (eq <= 0) throw new UsageError(`invalid argument "${value}" for "--filter" flag: bad format of filter (expected name=value)`)
    const key = value.slice(0, eq).trim().toLowerCase()
    ;(filters[key] ??= []).push(value.slice(eq + 1))
  }
  return filters
}

/** `a,b,c` as names; empty entries are a usage error. */
export function parseNames(operand: string): string[] {
  const names = operand.split(',').map((n) => n.trim())
  if (names.some((n) => n === '')) throw new UsageError(`invalid container list "${operand}": an empty name between commas`)
  return names
}

const nameOf = (names: string[] | undefined, id: string): string => (names?.[0] ?? id.slice(0, 12)).replace(/^\//, '')
const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/**
 * Resolves the selection on every daemon (`apis` in -H order, each a connection or its failure).
 * One daemon and plain names: the names as given, so the exec itself reports "No such container".
 */
export async function resolveSelection(apis: ReadonlyArray<{host: DockerHost; api: Promise<DockerApi>}>, selection: Selection): Promise<Slot[]> {
  if ('names' in selection && apis.length === 1) {
    return selection.names.map((name) => ({host: apis[0].host, name, ref: name}))
  }
  const filters = 'filters' in selection ? selection.filters : {name: selection.names.map((n) => `^/${escapeRegExp(n)}$`)}
  const listed = await Promise.all(apis.map(async ({host, api}) => {
    try {
      // Names: stopped ones too, so the exec says "not running" rather than nothing at all.
      const list = await (await api).listContainers(filters, 'names' in selection)
      const slots: Slot[] = list.map((c) => ({host, name: nameOf(c.Names, c.Id), ref: c.Id}))
      return slots.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    } catch (error) {
      if (!(error instanceof HijackError)) throw error
      return [{host, name: host.url, ref: '', error}]
    }
  }))
  if ('filters' in selection) return listed.flat()
  // Names across daemons: in the order given, each on every daemon that has it.
  const slots: Slot[] = []
  for (const name of selection.names) {
    const found = listed.flat().filter((s) => !s.error && s.name === name)
    slots.push(...(found.length > 0 ? found : [{host: apis[0].host, name, ref: name, error: new HijackError(`Error response from daemon: No such container: ${name}`)}]))
  }
  slots.push(...listed.flat().filter((s) => s.error))
  return slots
}
