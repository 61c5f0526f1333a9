// A container's recent output for attach `logs=1`: the newest bytes up to a budget, in one ring buffer.
// Bytes are copied into the ring, so a flood of tiny chunks costs what its bytes do, not an object each;
// the stream types are kept as runs (a length per switch between stdout and stderr).
import {STDERR, STDOUT} from '../../protocol/stdcopy.js'
import type {OutputType} from './output-fanout.js'

/** The ring starts this small and doubles up to the budget, so a quiet container holds little. */
const INITIAL_CAPACITY = 16 * 1024
/** Past this many stdout/stderr switches the oldest runs are dropped, which bounds the run list. */
const MAX_RUNS = 64 * 1024

export interface LogEntry {
  type: OutputType
  data: Buffer
}

/** A stretch of output that arrived in one millisecond (GET /containers/{id}/logs needs the times). */
export interface TimedLogEntry extends LogEntry {
  /** Date.now() when it arrived. */
  time: number
}

export class OutputLog {
  private ring = Buffer.alloc(0)
  /** Ring offset of the oldest byte kept. */
  private start = 0
  private size = 0
  /** Lengths of same-type runs, oldest first from `runsHead`: positive for stdout, negative for stderr. */
  private runs: number[] = []
  private runsHead = 0
  /** Bytes ever pushed (an absolute position past the newest byte). */
  private pushed = 0
  /** When each stretch arrived: absolute start position and Date.now(), one per millisecond that had output. */
  private marks: {at: number; time: number}[] = []
  private marksHead = 0

  constructor(private readonly limit: number, private readonly maxRuns = MAX_RUNS) {}

  /** Bytes kept. */
  get length(): number {
    return this.size
  }

  push(type: OutputType, data: Buffer, time = Date.now()): void {
    if (this.limit <= 0 || data.length === 0) return
    this.mark(time, data.length)
    if (data.length >= this.limit) {
      // Only the tail of this chunk can stay: start over with it.
      data = data.subarray(data.length - this.limit)
      this.start = 0
      this.size = 0
      this.runs = []
      this.runsHead = 0
    }
    this.reserve(this.size + data.length)
    const excess = this.size + data.length - this.limit
    if (excess > 0) this.dropOldest(excess)
    this.copyIn(data)
    this.addRun(type === STDERR ? -data.length : data.length)
  }

  /** The kept output as one entry per run, oldest first (copies: the ring goes on changing). */
  replay(): LogEntry[] {
    const entries: LogEntry[] = []
    let at = this.start
    for (let i = this.runsHead; i < this.runs.length; i++) {
      const run = this.runs[i]
      const data = this.copyOut(at, Math.abs(run))
      entries.push({type: run < 0 ? STDERR : STDOUT, data})
      at = (at + data.length) % this.ring.length
    }
    return entries
  }

  /** The kept output split where the stream type or the arrival millisecond changes, oldest first. */
  replayTimed(): TimedLogEntry[] {
    const entries: TimedLogEntry[] = []
    let at = this.pushed - this.size
    let m = this.marksHead
    for (const {type, data} of this.replay()) {
      let offset = 0
      while (offset < data.length) {
        while (m + 1 < this.marks.length && this.marks[m + 1].at <= at + offset) m++
        const next = m + 1 < this.marks.length ? this.marks[m + 1].at : Infinity
        const length = Math.min(data.length - offset, next - (at + offset))
        entries.push({type, data: data.subarray(offset, offset + length), time: this.marks[m]?.time ?? 0})
        offset += length
      }
      at += data.length
    }
    return entries
  }

  private mark(time: number, length: number): void {
    const last = this.marks.at(-1)
    if (!last || last.time !== time) this.marks.push({at: this.pushed, time})
    this.pushed += length
    // Marks of bytes no longer kept go; past maxRuns the oldest go too (their bytes take the next time).
    const oldest = this.pushed - Math.min(this.limit, this.size + length)
    while (this.marksHead + 1 < this.marks.length && (this.marks[this.marksHead + 1].at <= oldest || this.marks.length - this.marksHead > this.maxRuns)) this.marksHead++
    if (this.marksHead > 1024 && this.marksHead * 2 > this.marks.length) {
      this.marks = this.marks.slice(this.marksHead)
      this.marksHead = 0
    }
  }

  /** Grows the ring (up to the budget) so that `needed` bytes fit, keeping the kept bytes in order. */
  private reserve(needed: number): void {
    const capacity = this.ring.length
    if (capacity >= Math.min(needed, this.limit)) return
    const grown = Buffer.allocUnsafe(Math.min(this.limit, Math.max(needed, capacity * 2, INITIAL_CAPACITY)))
    this.copyOut(this.start, this.size, grown)
    this.ring = grown
    this.start = 0
  }

  private copyIn(data: Buffer): void {
    const {ring} = this
    const end = (this.start + this.size) % ring.length
    const first = Math.min(data.length, ring.length - end)
    data.copy(ring, end, 0, first)
    if (first < data.length) data.copy(ring, 0, first)
    this.size += data.length
  }

  private copyOut(at: number, length: number, into = Buffer.allocUnsafe(length)): Buffer {
    const {ring} = this
    const first = Math.min(length, ring.length - at)
    ring.copy(into, 0, at, at + first)
    if (first < length) ring.copy(into, first, 0, length - first)
    return into
  }

  private addRun(run: number): void {
    const last = this.runs.length - 1
    if (last >= this.runsHead && Math.sign(this.runs[last]) === Math.sign(run)) this.runs[last] += run
    else this.runs.push(run)
    if (this.runs.length - this.runsHead > this.maxRuns) this.dropOldest(Math.abs(this.runs[this.runsHead]))
  }

  private dropOldest(bytes: number): void {
    this.start = (this.start + bytes) % this.ring.length
    this.size -= bytes
    while (bytes > 0) {
      const run = this.runs[this.runsHead]
      const length = Math.abs(run)
      if (length <= bytes) {
        bytes -= length
        this.runsHead++
      } else {
        this.runs[this.runsHead] = Math.sign(run) * (length - bytes)
        bytes = 0
      }
    }
    // Compact now and then, so dropped runs don't pile up at the front.
    if (this.runsHead > 1024 && this.runsHead * 2 > this.runs.length) {
      this.runs = this.runs.slice(this.runsHead)
      this.runsHead = 0
    }
  }
}
