import {resolveEndpoints, type DockerHost} from '../transport/index.js'
import type {ExecFlags} from './flag-specs.js'

/**
 * The daemons an exec runs on, in the order of the -H (or --context) values, duplicates dropped; the one
 * daemon Docker would pick without any. The one place exec turns endpoint flags into daemons.
 */
export function resolveExecHosts(flags: ExecFlags): DockerHost[] {
  const {host: hosts, context: contexts, tls, tlsverify, tlscacert, tlscert, tlskey} = flags
  const hostsByUrl = new Map<string, DockerHost>()
  for (const {host} of resolveEndpoints({hosts, contexts, tls, tlsverify, tlscacert, tlscert, tlskey})) {
    if (!hostsByUrl.has(host.url)) hostsByUrl.set(host.url, host)
  }
  return [...hostsByUrl.values()]
}
