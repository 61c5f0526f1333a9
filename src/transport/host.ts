import {UsageError} from './errors.js'

export type DockerHost =
  | {kind: 'unix'; path: string; url: string}
  | {kind: 'tcp'; hostname: string; port: number; url: string}

export const DEFAULT_HOST = 'unix:///var/run/docker.sock'

/** Where to dial: the -H flag, else DOCKER_HOST, else the default socket (Docker's order). */
export function resolveHost(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): DockerHost {
  const host = parseHost(flag || env.DOCKER_HOST || DEFAULT_HOST)
  if (host.kind === 'tcp' && (env.DOCKER_TLS_VERIFY || env.DOCKER_TLS)) {
    // Sending plain HTTP to a TLS daemon would fail confusingly (or leak credentials): say so instead.
    throw new UsageError(`TLS (DOCKER_TLS_VERIFY/DOCKER_TLS) is not supported yet; cannot connect to ${host.url}`, 1)
  }
  return host
}

/** Parses `unix:///path` and `tcp://host[:port]` the way the Docker CLI does for those schemes. */
export function parseHost(raw: string): DockerHost {
  const value = raw.trim()
  const match = /^([a-z0-9+.-]+):\/\/(.*)$/i.exec(value)
  if (!match) throw new UsageError(`invalid host "${raw}": expected unix:///path or tcp://host:port`)
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
    const port = m[3] ? Number(m[3]) : 2375
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new UsageError(`invalid host "${raw}": bad port`)
    const shown = hostname.includes(':') ? `[${hostname}]` : hostname
    return {kind: 'tcp', hostname, port, url: `tcp://${shown}:${port}`}
  }
  throw new UsageError(`unsupported host scheme "${scheme}://" in "${raw}": hijack speaks unix:// and tcp://`)
}
