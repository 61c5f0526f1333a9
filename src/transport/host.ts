import {UsageError} from './errors.js'

/** What the TLS handshake uses: PEM contents already read (so a missing file fails before dialing). */
export interface TlsConfig {
  /** Check the daemon's certificate against `ca` (or the system CAs) and its name. */
  verify: boolean
  ca?: Buffer
  cert?: Buffer
  key?: Buffer
}

export type DockerHost =
  | {kind: 'unix'; path: string; url: string}
  | {kind: 'tcp'; hostname: string; port: number; url: string; tls?: TlsConfig}
  | {kind: 'ssh'; hostname: string; user?: string; port?: number; socketPath?: string; url: string}

export const DEFAULT_HOST = 'unix:///var/run/docker.sock'
/**
 * Where Docker goes with TLS on and no host given (its DefaultTLSHost). A tcp:// host without a port
 * gets 2375 even with TLS: the Docker CLI 28 dials that, and we go where it goes.
 */
export const DEFAULT_TLS_HOST = 'tcp://localhost:2376'
export const DEFAULT_TCP_PORT = 2375

/** Parses `unix:///path`, `tcp://host[:port]` and `ssh://[user@]host[:port][/socket-path]` as the Docker CLI does. */
export function parseHost(raw: string): DockerHost {
  const value = raw.trim()
  const match = /^([a-z0-9+.-]+):\/\/(.*)$/i.exec(value)
  if (!match) throw new UsageError(`invalid host "${raw}": expected unix:///path, tcp://host:port or ssh://[user@]host`)
  const scheme = match[1].toLowerCase()
  const rest = match[2]
  if (scheme === 'unix') {
    const path = rest || '/var/run/docker.sock'
    if (!path.startsWith('/')) throw new UsageError(`invalid host "${raw}": unix socket path must be absolute`)
    return {kind: 'unix', path, url: `unix://${path}`}
  }
  if (scheme === 'tcp' || scheme === 'http') {
    const hostPort = rest.replace(/\/+$/, '')
    if (hostPort.includes('/')) throw new UsageError(`invalid host "${raw}": a base path is not supported`)
    const m = /^(?:\[([^\]]+)\]|([^:]*))(?::(\d*))?$/.exec(hostPort)
    if (!m) throw new UsageError(`invalid host "${raw}"`)
    const hostname = m[1] ?? (m[2] || '127.0.0.1')
    const port = m[3] ? Number(m[3]) : DEFAULT_TCP_PORT
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new UsageError(`invalid host "${raw}": bad port`)
    const shown = hostname.includes(':') ? `[${hostname}]` : hostname
    return {kind: 'tcp', hostname, port, url: `tcp://${shown}:${port}`}
  }
  if (scheme === 'ssh') return parseSshHost(raw, value)
  throw new UsageError(`unsupported host scheme "${scheme}://" in "${raw}": hijack speaks unix://, tcp:// and ssh://`)
}

/** `ssh://[user@]host[:port][/socket-path]`, with docker/cli's refusals (password, query, fragment, no host). */
function parseSshHost(raw: string, value: string): DockerHost {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new UsageError(`invalid ssh host "${raw}"`)
  }
  const invalid = (why: string): never => {
    throw new UsageError(`invalid ssh host "${raw}": ${why}`)
  }
  if (url.password) invalid('a plain-text password is not supported')
  if (url.search) invalid('query parameters are not allowed')
  if (url.hash) invalid('fragments are not allowed')
  const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1')
  if (!hostname) invalid('the host name is empty')
  if (hostname.startsWith('-')) invalid('the host name must not start with "-"') // never an ssh option
  let user: string | undefined
  try {
    user = url.username ? decodeURIComponent(url.username) : undefined
  } catch {
    invalid('bad user name')
  }
  if (user?.startsWith('-')) invalid('the user name must not start with "-"')
  const port = url.port ? Number(url.port) : undefined
  let socketPath: string | undefined
  try {
    socketPath = url.pathname.replace(/^\/+$/, '') ? decodeURIComponent(url.pathname) : undefined
  } catch {
    invalid('bad socket path') // a stray % (found by test/fuzz/host.fuzz.test.ts: "ssh://7/%")
  }
  return {
    kind: 'ssh',
    hostname,
    ...(user !== undefined && {user}),
    ...(port !== undefined && {port}),
    ...(socketPath !== undefined && {socketPath}),
    url: value,
  }
}
