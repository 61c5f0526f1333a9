// Which daemon runs a swarm node's tasks. The manager says where each task runs; the exec must go to
// that node's own daemon, named by a host template (--node-host), a context template (--node-context),
// or, by default, the manager's own endpoint with the node put in its place.
import {ServiceTargetError, UsageError} from './errors.js'
import {resolveEndpoint} from './endpoint.js'
import {parseHost, type DockerHost} from './host.js'
import {checkNodeHostTemplate, expandNodeHost} from './service-tasks.js'
import type {TlsFlags} from './tls-config.js'

/** What the manager says of a node, as the templates see it. */
export interface NodeInfo {
  hostname: string
  addr: string
  id: string
}

export type NodeReach =
  /** --node-host: a host URL template; the --tls* flags apply to tcp:// hosts, as for -H. */
  | {kind: 'host'; template: string; tls: TlsFlags}
  /** --node-context: a context name template; each context brings its own TLS. */
  | {kind: 'context'; template: string}
  /** Neither: the manager's endpoint, with the node's hostname (ssh) or address (tcp) in place of its own. */
  | {kind: 'manager'; manager: DockerHost; managerNodeId: string | undefined}

const SAMPLE_NODE: NodeInfo = {hostname: 'node', addr: '127.0.0.1', id: 'x'}

/** Refuses a template that can never work (unknown placeholder, not a host URL) before the manager is asked (exit 125). */
export function checkNodeReach(reach: NodeReach): void {
  if (reach.kind === 'manager') return
  const flag = reach.kind === 'host' ? '--node-host' : '--node-context'
  checkNodeHostTemplate(reach.template, `${flag} template`)
  if (reach.kind === 'host') {
    try {
      parseHost(expandNodeHost(reach.template, SAMPLE_NODE))
    } catch (error) {
      throw new UsageError(`invalid --node-host template "${reach.template}": ${(error as Error).message}`)
    }
  } else if (!/^[A-Za-z0-9{][A-Za-z0-9_.+{}-]*$/.test(reach.template)) {
    throw new UsageError(`invalid --node-context template "${reach.template}": a context name has letters, digits and _.+- only`)
  }
}

/**
 * The node's daemon. Throws a typed error when it cannot be named (a value unsafe in a URL, a missing
 * context, a node the manager's unix socket does not reach); the caller reports it for that task only.
 */
export function nodeEndpoint(reach: NodeReach, node: NodeInfo, env: NodeJS.ProcessEnv = process.env): DockerHost {
  if (reach.kind === 'host') return resolveEndpoint({...reach.tls, host: expandNodeHost(reach.template, node)}, env).host
  if (reach.kind === 'context') return resolveEndpoint({context: expandNodeHost(reach.template, node)}, env).host
  return managerPeer(reach.manager, reach.managerNodeId, node)
}

function managerPeer(manager: DockerHost, managerNodeId: string | undefined, node: NodeInfo): DockerHost {
  if (manager.kind === 'unix') {
    // A local socket reaches only the node it belongs to (GET /info's Swarm.NodeID).
    if (node.id === managerNodeId) return manager
    throw new ServiceTargetError(`node ${node.hostname || node.id} is not reached by ${manager.url} (it reaches only its own node): give --node-host or --node-context`)
  }
  // The hostname and address go through the same safety check as a template's.
  if (manager.kind === 'ssh') {
    const user = manager.user === undefined ? '' : `${encodeURIComponent(manager.user)}@`
    const port = manager.port === undefined ? '' : `:${manager.port}`
    return parseHost(`ssh://${user}${expandNodeHost('{hostname}', node)}${port}${manager.socketPath ?? ''}`)
  }
  const addr = expandNodeHost('{addr}', node)
  const shown = addr.includes(':') ? `[${addr}]` : addr
  return {...manager, hostname: addr, url: `tcp://${shown}:${manager.port}`}
}
