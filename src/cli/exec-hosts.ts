import {resolveHost, type DockerHost} from '../transport/host.js'

/**
 * The daemons an exec runs on, in the order of the -H values (duplicates dropped); DOCKER_HOST or the
 * default socket without any. The one place exec turns host flags into daemons: contexts plug in here.
 */
export function resolveExecHosts(flags: readonly string[] | undefined): DockerHost[] {
  if (!flags || flags.length === 0) return [resolveHost(undefined)]
  const hosts = new Map<string, DockerHost>()
  for (const flag of flags) {
    const host = resolveHost(flag)
    if (!hosts.has(host.url)) hosts.set(host.url, host)
  }
  return [...hosts.values()]
}
