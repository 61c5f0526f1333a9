import {createReadStream, fstatSync} from 'node:fs'
import type {Socket} from 'node:net'
import type {Readable} from 'node:stream'
import type {QuietEnd} from '../transport/session.js'
import type {ReadStream} from 'node:tty'
import {DEFAULT_DETACH_KEYS, DetachKeysError, parseDetachKeys, runSession, UsageError} from '../transport/index.js'
import {configuredDetachKeys} from './docker-config.js'
import {GcPacer} from './gc-pacer.js'
import {DetachedError, OUTPUT_CLOSED_EXIT} from './report.js'
import {enterRawMode, followTerminalSize, type ResizeOptions} from './terminal.js'

/** The detach sequence: the flag, else `detachKeys` from the Docker config, else ctrl-p,ctrl-q. */
export function resolveDetachKeys(flag: string | undefined): {spec: string | undefined; keys: number[]} {
  const spec = flag || configuredDetachKeys()
  try {
    return {spec, keys: parseDetachKeys(spec ?? DEFAULT_DETACH_KEYS)}
  } catch (error) {
    // A bad --detach-keys is the user's usage error (Docker exits 125).
    if (error instanceof DetachKeysError) throw new UsageError(error.message)
    throw error
  }
}

/**
 * Read size for a stdin redirected from a file. Each read is a threadpool round trip and a trip through
 * the streams, so read big: for 256 MiB in, 512 KiB reads took a third off the user CPU of 256 KiB
 * reads and ~6% off the wall time. 1 MiB gained a little more but peaked at 67 MiB RSS in `exec -i c
 * cat` (62 MiB at 512 KiB), over our 64 MiB bound; 4 MiB doubled the peak.
 */
const FILE_READ_SIZE = 512 * 1024

/** Our stdin as a stream: a file in large reads (Node's own are 64 KiB); pipes and terminals keep process.stdin. */
export function inputStream(): Readable {
  try {
    if (fstatSync(0).isFile()) return createReadStream('', {fd: 0, highWaterMark: FILE_READ_SIZE, autoClose: false})
  } catch {
    // fd 0 closed or unreadable: process.stdin reports that in its own way
  }
  return process.stdin
}

export interface TerminalSessionOptions {
  socket: Socket
  tty: boolean
  /** Our stdin is attached to the session. */
  withStdin: boolean
  halfClose: boolean
  detachKeys: number[]
  /** How to tell the daemon our terminal size, and how (exec retries, attach bumps). */
  resize?: (rows: number, cols: number) => Promise<void>
  resizeOptions?: ResizeOptions
  signal?: AbortSignal
  endWhenQuiet?: QuietEnd
}

/**
 * Runs a hijacked session on this process's stdio: raw mode when a terminal types into a TTY session,
 * resize on size changes, the terminal restored on every way out. Resolves with undefined when the
 * output ended, or with the exit code to use at once (our stdout closed); a detach throws.
 */
export async function runTerminalSession(options: TerminalSessionOptions): Promise<number | undefined> {
  // process.stdin is created on first use (a stream, ~2 ms): only touch it when stdin is attached.
  const restore = options.withStdin && options.tty && process.stdin.isTTY ? enterRawMode(process.stdin as ReadStream) : undefined
  const stopResize = options.tty && options.resize
    ? followTerminalSize(process.stdout, options.resize, options.resizeOptions)
    : undefined
  const pacer = new GcPacer()
  try {
    const result = await runSession({
      socket: options.socket,
      tty: options.tty,
      stdin: options.withStdin ? inputStream() : undefined,
      stdout: process.stdout,
      stderr: process.stderr,
      halfClose: options.halfClose,
      detachKeys: options.detachKeys,
      signal: options.signal,
      endWhenQuiet: options.endWhenQuiet,
      onBytes: (bytes) => pacer.account(bytes),
    })
    if (result.detached) throw new DetachedError()
    return result.outputClosed ? OUTPUT_CLOSED_EXIT : undefined
  } finally {
    stopResize?.()
    restore?.()
  }
}
