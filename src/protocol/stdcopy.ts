import {Writable} from 'node:stream'
import {ProtocolError} from './errors.js'

// Docker's multiplexed stream (moby api/pkg/stdcopy): an 8-byte header
// [type, 0, 0, 0, size uint32 big-endian] then `size` payload bytes. Shared: the client demultiplexes,
// the mock daemon writes frames. Its errors are neutral ProtocolErrors; the CLI exits 1 on them (cli/report.ts).
export const STDIN = 0
export const STDOUT = 1
export const STDERR = 2
export const SYSTEMERR = 3
export const HEADER_SIZE = 8

export type StreamType = typeof STDIN | typeof STDOUT | typeof STDERR | typeof SYSTEMERR

/** Builds the 8-byte header for a frame of `size` bytes. */
export function frameHeader(type: StreamType, size: number): Buffer {
  const header = Buffer.alloc(HEADER_SIZE)
  header[0] = type
  header.writeUInt32BE(size, 4)
  return header
}

/**
 * Writes one frame without copying the payload (header and payload leave in one writev).
 * Returns what the last write returned, so callers can honour backpressure.
 */
export function writeFrame(out: Writable, type: StreamType, payload: Buffer): boolean {
  if (payload.length === 0) return true // an empty frame carries nothing and some clients stop at it
  out.cork()
  out.write(frameHeader(type, payload.length))
  const ok = out.write(payload)
  out.uncork()
  return ok
}

/** Where demultiplexed bytes go. */
export interface DemuxTargets {
  stdout: Writable
  stderr: Writable
}

/** Raised at the end of a stream that stopped inside a frame. The partial bytes were already delivered. */
export class TruncatedFrameError extends ProtocolError {
  constructor(readonly missing: number, readonly inHeader: boolean) {
    super(inHeader
      ? `output stream ended inside a frame header (${HEADER_SIZE - missing} of ${HEADER_SIZE} header bytes)`
      : `output stream ended inside a frame: ${missing} bytes missing (the partial frame was delivered)`)
  }
}

/** The daemon sent a systemerr frame: its payload is an error message. */
export class SystemErrorFrame extends ProtocolError {
  constructor(readonly text: string) {
    super(`error from daemon in stream: ${text}`)
  }
}

/** Largest systemerr payload we keep; the message is for a human, anything beyond is cut. */
const MAX_SYSTEMERR = 64 * 1024

/**
 * A Writable that splits a stdcopy stream into stdout and stderr.
 * Headers and payloads may be split at any byte and a chunk may hold many frames; payload slices are
 * handed on without copying, and the next chunk is not asked for until the destination has drained.
 */
export class StdcopyDemuxer extends Writable {
  private readonly header = Buffer.alloc(HEADER_SIZE)
  private headerFill = 0
  private remaining = 0
  private type = STDOUT
  private systemErr: Buffer[] = []
  private systemErrSize = 0
  /** Payload bytes delivered per stream type, for callers that want to account for every byte. */
  readonly delivered = {stdout: 0, stderr: 0}

  constructor(private readonly targets: DemuxTargets) {
    super({highWaterMark: 64 * 1024})
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.consume(chunk, 0, callback)
  }

  private consume(chunk: Buffer, start: number, callback: (error?: Error | null) => void): void {
    let offset = start
    while (offset < chunk.length) {
      if (this.remaining === 0) {
        const take = Math.min(HEADER_SIZE - this.headerFill, chunk.length - offset)
        chunk.copy(this.header, this.headerFill, offset, offset + take)
        this.headerFill += take
        offset += take
        if (this.headerFill < HEADER_SIZE) break
        this.headerFill = 0
        this.type = this.header[0]
        this.remaining = this.header.readUInt32BE(4)
        if (this.type > SYSTEMERR) {
          callback(new ProtocolError(`unknown stream type ${this.type} in multiplexed output (is the container a TTY?)`))
          return
        }
        if (this.remaining === 0 && this.type === SYSTEMERR) {
          callback(this.systemError())
          return
        }
        continue
      }
      const take = Math.min(this.remaining, chunk.length - offset)
      const payload = chunk.subarray(offset, offset + take)
      offset += take
      this.remaining -= take
      if (this.type === SYSTEMERR) {
        if (this.systemErrSize < MAX_SYSTEMERR) this.systemErr.push(payload.subarray(0, MAX_SYSTEMERR - this.systemErrSize))
        this.systemErrSize += payload.length
        if (this.remaining === 0) {
          callback(this.systemError())
          return
        }
        continue
      }
      const toStderr = this.type === STDERR
      const target = toStderr ? this.targets.stderr : this.targets.stdout
      if (toStderr) this.delivered.stderr += take
      else this.delivered.stdout += take
      if (!target.write(payload)) {
        // Backpressure: resume parsing this chunk only once the destination has room.
        const resume = (): void => {
          target.off('error', fail)
          this.consume(chunk, offset, callback)
        }
        const fail = (error: Error): void => {
          target.off('drain', resume)
          callback(error)
        }
        target.once('drain', resume)
        target.once('error', fail)
        return
      }
    }
    callback()
  }

  override _final(callback: (error?: Error | null) => void): void {
    if (this.headerFill > 0) callback(new TruncatedFrameError(HEADER_SIZE - this.headerFill, true))
    else if (this.remaining > 0) {
      if (this.type === SYSTEMERR) callback(this.systemError())
      else callback(new TruncatedFrameError(this.remaining, false))
    } else callback()
  }

  private systemError(): SystemErrorFrame {
    return new SystemErrorFrame(Buffer.concat(this.systemErr).toString('utf8').trim())
  }
}
