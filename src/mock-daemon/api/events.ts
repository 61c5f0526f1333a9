// GET /events: a stream of JSON lines, with `since` (replays the kept events), `until` (ends the stream
// then) and dockerd's `filters`. Without `until` it lasts until the client leaves or the daemon stops.
import type {EngineEvent} from '../engine/event-log.js'
import {ApiError} from '../server/api-error.js'
import type {DaemonRequest} from '../server/daemon-request.js'
import type {ApiContext} from './context.js'
import {type Filters, filtersQuery, timestampQuery} from './validate.js'

const FILTERS = ['config', 'container', 'daemon', 'event', 'image', 'label', 'network', 'node', 'plugin', 'scope', 'secret', 'service', 'type', 'volume']
const TYPES = ['builder', 'config', 'container', 'daemon', 'image', 'network', 'node', 'plugin', 'secret', 'service', 'volume']

/** dockerd's matching: each given filter must hold; within one, any value. */
function matches(filters: Filters, event: EngineEvent): boolean {
  const any = (key: string, test: (value: string) => boolean): boolean => !filters.has(key) || filters.get(key)!.some(test)
  const attrs = event.Actor.Attributes
  // exec events carry the command in the action (`exec_start: sh -c ...`); the filter names the part before.
  const action = event.Action.split(':')[0]
  return (
    any('type', (v) => v === event.Type) &&
    any('event', (v) => v === event.Action || v === action) &&
    any('scope', (v) => v === 'local') &&
    any('container', (v) => event.Type === 'container' && (event.Actor.ID.startsWith(v) || attrs.name === v)) &&
    any('image', (v) => (event.Type === 'image' ? event.Actor.ID === v || attrs.name === v : attrs.image === v)) &&
    any('label', (v) => {
      const eq = v.indexOf('=')
      return eq < 0 ? Object.hasOwn(attrs, v) : attrs[v.slice(0, eq)] === v.slice(eq + 1)
    }) &&
    // Nothing the mock reports is about these.
    ['config', 'daemon', 'network', 'node', 'plugin', 'secret', 'service', 'volume'].every((key) => !filters.has(key))
  )
}

export async function events(ctx: ApiContext, req: DaemonRequest): Promise<void> {
  const since = timestampQuery(req, 'since')
  const until = timestampQuery(req, 'until')
  const filters = filtersQuery(req, FILTERS)
  for (const type of filters.get('type') ?? []) if (!TYPES.includes(type)) throw new ApiError(400, `invalid filter 'type=${type}'`)
  if (since !== undefined && until !== undefined && until < since) throw new ApiError(400, 'since time must be before until time')
  const response = req.startChunked(200, 'application/json')
  const inRange = (event: EngineEvent): boolean => {
    const nano = BigInt(event.timeNano)
    return (since === undefined || nano >= since) && (until === undefined || nano <= until)
  }
  // A client that stops reading is ended past the log budget rather than buffered for without end.
  let behind = (): void => {}
  const tooFar = new Promise<void>((resolve) => {
    behind = resolve
  })
  const send = (event: EngineEvent): void => {
    if (inRange(event) && matches(filters, event)) response.write(Buffer.from(`${JSON.stringify(event)}\n`))
    if (response.buffered > ctx.engine.logSize) behind()
  }
  // Replay and subscribe in one turn: no event falls between them.
  if (since !== undefined) for (const event of ctx.engine.events.recent()) send(event)
  const untilMs = until === undefined ? undefined : Number(until / 1_000_000n)
  if (untilMs === undefined || untilMs > Date.now()) {
    const unsubscribe = ctx.engine.events.subscribe(send)
    const {gone, off} = req.clientGone()
    let timer: NodeJS.Timeout | undefined
    const passed = new Promise<void>((resolve) => {
      if (untilMs !== undefined) timer = setTimeout(resolve, untilMs - Date.now() + 1)
    })
    await Promise.race([gone, passed, tooFar])
    clearTimeout(timer)
    off()
    unsubscribe()
  }
  response.end()
}
