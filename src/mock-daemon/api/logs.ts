// GET /containers/{id}/logs: the container's output log (its newest bytes, see output-log.ts), then with
// `follow` its live output until the main process exits, the client leaves or `until` passes. Framed
// as dockerd frames it: stdcopy frames, one per line, without a TTY; raw bytes with one.
import {frameHeader} from '../../protocol/stdcopy.js'
import type {Container} from '../engine/container.js'
import type {OutputType, Subscriber} from '../engine/output-fanout.js'
import {ApiError} from '../server/api-error.js'
import type {ChunkedResponse, DaemonRequest} from '../server/daemon-request.js'
import {type ApiContext, streamFormat} from './context.js'
import {boolQuery, findContainer, timestampQuery} from './validate.js'

interface LogOptions {
  stdout: boolean
  stderr: boolean
  timestamps: boolean
  /** Nanoseconds since the epoch; undefined: no bound. */
  since?: bigint
  until?: bigint
  /** Lines from the end; -1: all. */
  tail: number
}

/** RFC 3339 with nanoseconds, as Go prints a time (`2024-05-01T10:00:00.123456789Z`). */
function rfc3339Nano(nanos: bigint): string {
  const ms = Number(nanos / 1_000_000n)
  const frac = (nanos % 1_000_000_000n).toString().padStart(9, '0')
  return `${new Date(ms).toISOString().slice(0, 19)}.${frac}Z`
}

const ms = (nanos: bigint): number => Number(nanos / 1_000_000n)

/** One line (or the unfinished end of one) of one stream, with the time it arrived. */
interface Line {
  type: OutputType
  data: Buffer
  time: number
}

/** Splits at each newline, keeping the newline with its line. */
function splitLines(type: OutputType, data: Buffer, time: number, into: Line[]): void {
  let start = 0
  for (let nl = data.indexOf(10); nl >= 0; nl = data.indexOf(10, start)) {
    into.push({type, data: data.subarray(start, nl + 1), time})
    start = nl + 1
  }
  if (start < data.length) into.push({type, data: data.subarray(start), time})
}

/** Writes lines as dockerd does: a timestamp before each line if asked, a frame around each without a TTY. */
class LogWriter {
  /** Per stream: the next byte starts a line (the timestamp goes there). */
  private readonly atLineStart = new Map<OutputType, boolean>()

  constructor(private readonly response: ChunkedResponse, private readonly tty: boolean, private readonly options: LogOptions) {}

  write(line: Line): void {
    if (!(line.type === 1 ? this.options.stdout : this.options.stderr)) return
    let payload = line.data
    if (this.options.timestamps && this.atLineStart.get(line.type) !== false) {
      payload = Buffer.concat([Buffer.from(`${rfc3339Nano(BigInt(line.time) * 1_000_000n)} `), payload])
    }
    this.atLineStart.set(line.type, line.data.at(-1) === 10)
    this.response.write(this.tty ? payload : Buffer.concat([frameHeader(line.type, payload.length), payload]))
  }
}

function logOptions(req: DaemonRequest): LogOptions {
  const options: LogOptions = {
    stdout: boolQuery(req, 'stdout'),
    stderr: boolQuery(req, 'stderr'),
    timestamps: boolQuery(req, 'timestamps'),
    since: timestampQuery(req, 'since'),
    until: timestampQuery(req, 'until'),
    tail: -1,
  }
  if (!options.stdout && !options.stderr) throw new ApiError(400, 'Bad parameters: you must choose at least one stream')
  // dockerd reads anything that is not a number (`all` included) as "all lines".
  const tail = req.query.get('tail') ?? ''
  if (/^\d+$/.test(tail.trim())) options.tail = Number(tail)
  return options
}

export async function logs(ctx: ApiContext, req: DaemonRequest, ref: string): Promise<void> {
  const options = logOptions(req)
  const follow = boolQuery(req, 'follow')
  const c = findContainer(ctx, ref)
  const tty = c.spec.tty
  const response = req.startChunked(200, streamFormat(req, tty).contentType)
  const writer = new LogWriter(response, tty, options)
  for (const line of keptLines(c, options)) writer.write(line)
  const untilMs = options.until === undefined ? undefined : ms(options.until)
  if (follow && c.running && !c.removed && (untilMs === undefined || untilMs > Date.now())) await followLive(ctx, req, response, c, writer, untilMs)
  response.end()
}

/** The kept output within since/until, the last `tail` lines of it (counted before the stream filter, as dockerd does). */
function keptLines(c: Container, options: LogOptions): Line[] {
  const pieces: Line[] = []
  const sinceMs = options.since === undefined ? -Infinity : ms(options.since)
  const untilMs = options.until === undefined ? Infinity : ms(options.until)
  for (const entry of c.logEntries()) {
    if (entry.time >= sinceMs && entry.time <= untilMs) splitLines(entry.type, entry.data, entry.time, pieces)
  }
  // A line that arrived in several pieces is one line (with the time of its first piece).
  const lines: Line[] = []
  for (const piece of pieces) {
    const last = lines.at(-1)
    if (last && last.type === piece.type && last.data.at(-1) !== 10) last.data = Buffer.concat([last.data, piece.data])
    else lines.push({...piece})
  }
  return options.tail < 0 ? lines : lines.slice(lines.length - Math.min(options.tail, lines.length))
}

/**
 * The live output until the main process exits, the client leaves or `until` passes. Unlike an attach,
 * a slow reader never slows the container (dockerd reads logs from a file): one more than the log budget
 * behind is ended, as if its file had been rotated away.
 */
async function followLive(ctx: ApiContext, req: DaemonRequest, response: ChunkedResponse, c: Container, writer: LogWriter, untilMs: number | undefined): Promise<void> {
  const budget = ctx.engine.logSize
  let finish = (): void => {}
  const done = new Promise<void>((resolve) => {
    finish = resolve
  })
  const sub: Subscriber = {
    wants: () => true,
    write(type, data) {
      const lines: Line[] = []
      splitLines(type, data, Date.now(), lines)
      for (const line of lines) writer.write(line)
      if (response.buffered > budget) finish()
      return true
    },
    onDrain: () => {},
    finish: () => finish(),
    buffered: () => response.buffered,
  }
  const detach = c.attach(sub, false, true)
  const {gone, off} = req.clientGone()
  const timer = untilMs === undefined ? undefined : setTimeout(finish, untilMs - Date.now())
  await Promise.race([done, gone])
  clearTimeout(timer)
  off()
  detach()
}
