// The mock daemon's limits (`startMockDaemon({limits})`): the server's and the engine's, in one object.

export interface Limits {
  /** Largest request head in bytes (431 beyond). */
  maxHeaderSize: number
  /** Largest JSON body in bytes (413 beyond). */
  maxBodySize: number
  /** Bytes of main-process output kept per container for attach logs=1. */
  logSize: number
  /** Time allowed for a request head to arrive (dockerd's ReadHeaderTimeout is 5 minutes); then 408. */
  headTimeoutMs: number
  /** How long an exited exec can still be inspected; it goes at the first sweep after that (dockerd: 5 to 10 minutes). */
  execRetentionMs: number
}

export const DEFAULT_LIMITS: Limits = {
  maxHeaderSize: 16 * 1024,
  maxBodySize: 1024 * 1024,
  logSize: 1024 * 1024,
  headTimeoutMs: 5 * 60_000,
  execRetentionMs: 5 * 60_000,
}
