import type {Writable} from 'node:stream'

/**
 * One shared way onto a destination (our stdout or stderr) for every session: whole writes, and one
 * 'drain' listener however many sessions wait on it. A destination that failed or closed swallows
 * writes (the exit code says so, cli/exit.ts) instead of keeping its writers waiting.
 */
export class OutputGate {
  private waiters: (() => void)[] = []

  constructor(readonly target: Writable) {
    const release = (): void => {
      const waiters = this.waiters
      this.waiters = []
      for (const waiter of waiters) waiter()
    }
    target.on('drain', release)
    target.once('close', release)
    target.once('error', release)
  }

  /** Writes `data` in one write call, so it never interleaves with another session's; false: wait. */
  write(data: Buffer | string): boolean {
    if (this.target.destroyed) return true
    return this.target.write(data)
  }

  /** Calls `fn` once the destination can take more. */
  whenDrained(fn: () => void): void {
    if (this.target.destroyed || !this.target.writableNeedDrain) fn()
    else this.waiters.push(fn)
  }
}
