// A session's stdout or stderr in fan-out mode: split into lines (split2) and written whole, each with
// its container's prefix, so lines from different containers never mix mid-line.
import {Writable} from 'node:stream'
import split2 from 'split2'
import type {OutputGate} from './output-gate.js'

/** A line longer than this is cut into pieces, each with its prefix, so memory stays bounded. */
export const MAX_LINE = 1024 * 1024

/** Counts what a session wrote, before any prefix. */
export interface CountingWriter extends Writable {
  readonly bytes: number
}

/** The last index at or before `i` that does not start in the middle of a UTF-8 sequence. */
function utf8Boundary(chunk: Buffer, start: number, i: number): number {
  let cut = i
  while (cut > start && cut > i - 4 && (chunk[cut] & 0xc0) === 0x80) cut--
  return cut === start || cut === i - 4 ? i : cut
}

export class LinePrefixer extends Writable implements CountingWriter {
  bytes = 0
  private readonly lines = split2('\n')
  /** Bytes of the current line given to split2 so far. */
  private lineLength = 0

  constructor(private readonly prefix: string, private readonly gate: OutputGate) {
    super({highWaterMark: 64 * 1024})
    this.lines.on('data', (line: string) => {
      if (!this.gate.write(`${this.prefix}${line}\n`)) {
        this.lines.pause()
        this.gate.whenDrained(() => this.lines.resume())
      }
    })
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.bytes += chunk.length
    if (this.feed(chunk)) callback()
    else this.lines.once('drain', () => callback())
  }

  /** The last line, even without its newline, is written before 'finish'. */
  override _final(callback: (error?: Error | null) => void): void {
    this.lines.once('end', () => callback())
    this.lines.end()
  }

  /** Gives `chunk` to split2, with a newline put in wherever a line would grow past MAX_LINE. */
  private feed(chunk: Buffer): boolean {
    let ok = true
    let start = 0
    while (start < chunk.length) {
      const nl = chunk.indexOf(10, start)
      const end = nl === -1 ? chunk.length : nl + 1
      const room = MAX_LINE - this.lineLength
      if (end - start <= room) {
        ok = this.lines.write(chunk.subarray(start, end))
        this.lineLength = nl === -1 ? this.lineLength + (end - start) : 0
        start = end
        continue
      }
      const cut = room > 0 ? utf8Boundary(chunk, start, start + room) : start
      if (cut > start) this.lines.write(chunk.subarray(start, cut))
      ok = this.lines.write('\n')
      this.lineLength = 0
      start = cut
    }
    return ok
  }
}

/** --no-prefix: the bytes as they come (binary too), with backpressure from the destination. */
export class RawWriter extends Writable implements CountingWriter {
  bytes = 0

  constructor(private readonly gate: OutputGate) {
    super({highWaterMark: 64 * 1024})
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.bytes += chunk.length
    if (this.gate.write(chunk)) callback()
    else this.gate.whenDrained(() => callback())
  }
}
