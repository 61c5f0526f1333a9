// Fault injection for the hijacked streams (issue #4). Values are validated once, at startup,
// so a typo fails loudly instead of silently testing nothing.

export interface Faults {
  /** The 101 head and the first output bytes leave in one socket write. */
  coalesceHead?: boolean
  /** Every output write is cut into pieces of this many bytes, each its own socket write. */
  splitWrites?: number
  /** Answer 200 OK instead of 101 and stream anyway. */
  noUpgrade?: boolean
  /** Refuse the hijack with this status and message. */
  startError?: {status: number; message: string}
  /** Destroy the connection after this many output bytes (counted after the response head). */
  closeAfterBytes?: number
  /** Silence before the first output byte. */
  stallMs?: number
  /** A systemerr frame with this text after the output, then close. */
  systemError?: string
  /** End inside the last frame: its final bytes are never sent. */
  truncateLastFrame?: boolean
  /** Exec inspect keeps saying Running/ExitCode null this long after the exit. */
  exitCodeDelayMs?: number
  /** The last this many output bytes are never sent: podman's reset error (a stderr frame) ends the stream instead. */
  lostOutput?: number
}

export class FaultError extends Error {}

type Parser = (value: unknown, where: string) => Faults[keyof Faults]

function bool(value: unknown, where: string): boolean {
  if (value === true || value === 'true' || value === '1') return true
  if (value === false || value === 'false' || value === '0') return false
  throw new FaultError(`${where}: expected true or false, got ${JSON.stringify(value)}`)
}

function count(min: number) {
  return (value: unknown, where: string): number => {
    const n = typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : value
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < min) {
      throw new FaultError(`${where}: expected an integer >= ${min}, got ${JSON.stringify(value)}`)
    }
    return n
  }
}

function text(value: unknown, where: string): string {
  if (typeof value !== 'string' || value === '') throw new FaultError(`${where}: expected a non-empty string`)
  return value
}

function startError(value: unknown, where: string): {status: number; message: string} {
  if (typeof value === 'object' && value !== null) {
    const {status, message} = value as {status?: unknown; message?: unknown}
    value = `${status}:${message}`
  }
  const m = typeof value === 'string' ? /^(\d{3}):(.+)$/s.exec(value) : null
  const status = m ? Number(m[1]) : 0
  if (!m || status < 400 || status > 599) {
    throw new FaultError(`${where}: expected STATUS:MESSAGE with a 4xx or 5xx status, got ${JSON.stringify(value)}`)
  }
  return {status, message: m[2]}
}

const PARSERS: Record<keyof Faults, Parser> = {
  coalesceHead: bool,
  splitWrites: count(1),
  noUpgrade: bool,
  startError,
  closeAfterBytes: count(0),
  stallMs: count(0),
  systemError: text,
  truncateLastFrame: bool,
  exitCodeDelayMs: count(0),
  lostOutput: count(0),
}

export const FAULT_NAMES = Object.keys(PARSERS) as (keyof Faults)[]

function isFaultName(name: string): name is keyof Faults {
  return Object.hasOwn(PARSERS, name)
}

function setFault(faults: Faults, name: string, value: unknown, where: string): void {
  if (!isFaultName(name)) throw new FaultError(`${where}: unknown fault "${name}" (known: ${FAULT_NAMES.join(', ')})`)
  ;(faults as Record<string, unknown>)[name] = PARSERS[name](value, `${where}: fault ${name}`)
}

/** Faults from a config object: `{"splitWrites": 1, "noUpgrade": true, ...}`. */
export function parseFaults(raw: unknown, where: string): Faults {
  if (raw === undefined) return {}
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new FaultError(`${where}: faults must be an object`)
  const faults: Faults = {}
  for (const [name, value] of Object.entries(raw)) setFault(faults, name, value, where)
  return faults
}

/** Faults from repeated `NAME=VALUE` flags (`NAME` alone means true). */
export function parseFaultFlags(flags: readonly string[], where = '--fault'): Faults {
  const faults: Faults = {}
  for (const flag of flags) {
    const eq = flag.indexOf('=')
    const name = (eq < 0 ? flag : flag.slice(0, eq)).trim()
    setFault(faults, name, eq < 0 ? 'true' : flag.slice(eq + 1), `${where} ${flag}`)
  }
  return faults
}

/** Daemon-wide faults under a container's own: the container's setting wins per fault. */
export function mergeFaults(daemon: Faults, container: Faults): Faults {
  const faults = {...daemon, ...container}
  if (faults.truncateLastFrame && faults.systemError !== undefined) {
    // A frame cut short swallows the next header: the systemerr frame could never be read as one.
    throw new FaultError('truncateLastFrame and systemError cannot be combined: the cut frame would swallow the systemerr frame')
  }
  if (faults.truncateLastFrame && faults.lostOutput !== undefined) {
    // Both decide what the stream's last bytes are.
    throw new FaultError('truncateLastFrame and lostOutput cannot be combined: both shape the end of the output')
  }
  return faults
}
