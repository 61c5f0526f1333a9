// Which daemon to talk to, chosen exactly as the Docker CLI chooses (docker/cli cli/command/cli.go):
// --context, then -H, then DOCKER_HOST, then DOCKER_CONTEXT, then currentContext in config.json, then
// the default socket. Pure: no dialing, so a list of endpoints can be resolved up front.
import {contextTls, currentContext, DEFAULT_CONTEXT, dockerConfigDir, readContext} from './context-store.js'
import {EndpointError} from './errors.js'
import {DEFAULT_HOST, DEFAULT_TLS_HOST, parseHost, type DockerHost} from './host.js'
import {defaultContextTls, type TlsFlags} from './tls-config.js'

export interface EndpointSelection extends TlsFlags {
  /** --context / -c */
  context?: string
  /** -H / --host */
  host?: string
}

export interface Endpoint {
  host: DockerHost
  /** The context used: `default` for -H, DOCKER_HOST and the default socket. */
  context: string
}

/** The context name Docker would use for this selection and environment. */
export function contextName(selection: EndpointSelection, env: NodeJS.ProcessEnv, configDir = dockerConfigDir(env)): string {
  if (selection.context) return selection.context
  if (selection.host || env.DOCKER_HOST) return DEFAULT_CONTEXT
  return env.DOCKER_CONTEXT || currentContext(configDir) || DEFAULT_CONTEXT
}

/** Resolves one endpoint; bad hosts, missing contexts and unreadable TLS files throw typed errors. */
export function resolveEndpoint(selection: EndpointSelection, env: NodeJS.ProcessEnv = process.env): Endpoint {
  if (selection.context && selection.host) {
    throw new EndpointError('conflicting options: cannot specify both --host and --context')
  }
  const configDir = dockerConfigDir(env)
  const name = contextName(selection, env, configDir)
  if (name === DEFAULT_CONTEXT) {
    const tls = defaultContextTls(selection, env, configDir)
    const raw = selection.host || env.DOCKER_HOST || (tls ? DEFAULT_TLS_HOST : DEFAULT_HOST)
    return {host: withTls(parseHost(raw), tls), context: name}
  }
  // A named context carries its own TLS: the --tls* flags and DOCKER_TLS* apply to the default one only.
  const context = readContext(configDir, name)
  const tls = contextTls(context)
  let host: DockerHost
  try {
    host = parseHost(context.host)
  } catch (error) {
    throw new EndpointError(`context "${name}": ${(error as Error).message}`)
  }
  return {host: withTls(host, tls), context: name}
}

/**
 * Several endpoints (repeated -H or --context), each resolved as above with the same TLS flags; none
 * given means the one endpoint Docker would pick.
 */
export function resolveEndpoints(
  selection: TlsFlags & {contexts?: readonly string[]; hosts?: readonly string[]},
  env: NodeJS.ProcessEnv = process.env,
): Endpoint[] {
  const {contexts = [], hosts = [], ...tls} = selection
  if (contexts.length > 0 && hosts.length > 0) {
    throw new EndpointError('conflicting options: cannot specify both --host and --context')
  }
  if (contexts.length > 0) return contexts.map((context) => resolveEndpoint({...tls, context}, env))
  if (hosts.length > 0) return hosts.map((host) => resolveEndpoint({...tls, host}, env))
  return [resolveEndpoint(tls, env)]
}

function withTls(host: DockerHost, tls: ReturnType<typeof defaultContextTls>): DockerHost {
  if (!tls) return host
  if (host.kind !== 'tcp') return host // Docker, too, ignores TLS settings for unix:// and ssh://
  return {...host, tls}
}
