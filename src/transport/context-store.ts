// Docker CLI contexts, read from the CLI's own store: $DOCKER_CONFIG/contexts/meta/<sha256(name)>/meta.json
// holds the endpoint; contexts/tls/<sha256(name)>/docker/ holds its TLS files (docker/cli cli/context/store).
import type crypto from 'node:crypto'
import {existsSync, readFileSync} from 'node:fs'
import {homedir} from 'node:os'
import {join} from 'node:path'
import {EndpointError} from './errors.js'
import type {TlsConfig} from './host.js'
import {lazyBuiltin} from './lazy-builtin.js'
import {readPem} from './tls-config.js'

/** The context name that means "no context": -H, DOCKER_HOST or the default socket, with TLS from flags. */
export const DEFAULT_CONTEXT = 'default'

export interface DockerContext {
  name: string
  /** The docker endpoint's Host, as stored. */
  host: string
  skipTlsVerify: boolean
  /** The context's TLS files directory (ca.pem, cert.pem, key.pem; any may be absent). */
  tlsDir: string
}

/** $DOCKER_CONFIG, else ~/.docker. */
export function dockerConfigDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.DOCKER_CONFIG || join(homedir(), '.docker')
}

/** `currentContext` from config.json; an unreadable config counts as none, as Docker carries on too. */
export function currentContext(configDir: string): string | undefined {
  try {
    const config = JSON.parse(readFileSync(join(configDir, 'config.json'), 'utf8')) as {currentContext?: unknown}
    return typeof config.currentContext === 'string' && config.currentContext !== '' ? config.currentContext : undefined
  } catch {
    return undefined
  }
}

const cryptoModule = lazyBuiltin<typeof crypto>('node:crypto')
const contextId = (name: string): string => cryptoModule().createHash('sha256').update(name).digest('hex')

/** Reads a named context; a missing one or a broken meta.json is an EndpointError naming it. */
export function readContext(configDir: string, name: string): DockerContext {
  const id = contextId(name)
  const metaFile = join(configDir, 'contexts', 'meta', id, 'meta.json')
  let text: string
  try {
    text = readFileSync(metaFile, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new EndpointError(`context "${name}" does not exist (no ${metaFile})`)
    }
    throw new EndpointError(`context "${name}": cannot read ${metaFile}: ${(error as Error).message}`)
  }
  let endpoint: {Host?: unknown; SkipTLSVerify?: unknown} | undefined
  try {
    const meta = JSON.parse(text) as {Endpoints?: {docker?: typeof endpoint}}
    endpoint = meta?.Endpoints?.docker
  } catch (error) {
    throw new EndpointError(`context "${name}": ${metaFile} is not valid JSON: ${(error as Error).message}`)
  }
  if (!endpoint || typeof endpoint !== 'object' || typeof endpoint.Host !== 'string' || endpoint.Host === '') {
    throw new EndpointError(`context "${name}": ${metaFile} has no docker endpoint host`)
  }
  return {name, host: endpoint.Host, skipTlsVerify: endpoint.SkipTLSVerify === true, tlsDir: join(configDir, 'contexts', 'tls', id, 'docker')}
}

/** The context's TLS: none without TLS files and without SkipTLSVerify (as docker/cli's context loader decides). */
export function contextTls(context: DockerContext): TlsConfig | undefined {
  const file = (name: string): string | undefined => {
    const path = join(context.tlsDir, name)
    return existsSync(path) ? path : undefined
  }
  const [ca, cert, key] = [file('ca.pem'), file('cert.pem'), file('key.pem')]
  if (!ca && !cert && !key && !context.skipTlsVerify) return undefined
  const what = `context "${context.name}"'s`
  return {
    verify: !context.skipTlsVerify,
    ...(ca && {ca: readPem(ca, `${what} CA certificate`)}),
    ...(cert && {cert: readPem(cert, `${what} client certificate`)}),
    ...(key && {key: readPem(key, `${what} client key`)}),
  }
}
