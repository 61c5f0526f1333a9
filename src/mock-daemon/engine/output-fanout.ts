// A container's live output, fanned out to its attached clients. Like dockerd, a full client slows the
// container down instead of losing output, until the main process has exited: from then on a slow client
// is buffered for (up to CLIENT_BUFFER_AFTER_EXIT) and a client further behind is let go.
import type {STDERR, STDOUT} from '../../protocol/stdcopy.js'
import type {LogEntry} from './output-log.js'
import {CLIENT_BUFFER_AFTER_EXIT} from './process-output.js'

export type OutputType = typeof STDOUT | typeof STDERR

/** An attached client as the container sees it. */
export interface Subscriber {
  wants(type: OutputType): boolean
  /** False: the client is full; `onDrain` tells when it has room again. */
  write(type: OutputType, data: Buffer): boolean
  onDrain(callback: () => void): void
  /** The output is over for this client (the main process exited, or the client fell too far behind). */
  finish(): void
  /** Bytes written to it that the client has not taken yet. */
  buffered(): number
  /** attach logs=1: takes the whole replay (both streams, oldest first) instead of one write per entry. */
  replayLog?(entries: LogEntry[]): void
}

export class OutputFanout {
  private readonly subscribers = new Set<Subscriber>()
  /** Subscribers that are full while the process runs: the process's output is paused until none is. */
  private readonly blocked = new Set<Subscriber>()

  /** `pause(true)` stops the main process's output streams, `pause(false)` lets them flow again. */
  constructor(private readonly pause: (paused: boolean) => void) {}

  add(sub: Subscriber): void {
    this.subscribers.add(sub)
  }

  remove(sub: Subscriber): void {
    this.subscribers.delete(sub)
    this.unblock(sub)
  }

  /** One chunk of output to every client that wants it; `exited`: the main process has exited. */
  publish(type: OutputType, data: Buffer, exited: boolean): void {
    for (const sub of this.subscribers) {
      if (!sub.wants(type) || sub.write(type, data)) continue
      if (!exited) this.block(sub)
      else if (sub.buffered() > CLIENT_BUFFER_AFTER_EXIT) {
        this.subscribers.delete(sub)
        sub.finish()
      }
    }
  }

  /** The main process has exited: nobody holds its output back any more. */
  release(): void {
    this.blocked.clear()
    this.pause(false)
  }

  /** Ends the output for every client (the main process is over, or the container is gone). */
  finishAll(): void {
    const subs = [...this.subscribers]
    this.subscribers.clear()
    this.blocked.clear()
    for (const sub of subs) sub.finish()
  }

  private block(sub: Subscriber): void {
    if (this.blocked.has(sub)) return
    this.blocked.add(sub)
    this.pause(true)
    sub.onDrain(() => this.unblock(sub))
  }

  private unblock(sub: Subscriber): void {
    if (this.blocked.delete(sub) && this.blocked.size === 0) this.pause(false)
  }
}
