import {readFileSync} from 'node:fs'
import {homedir} from 'node:os'
import {join} from 'node:path'

/** `detachKeys` from $DOCKER_CONFIG/config.json (default ~/.docker), if set and readable. */
export function configuredDetachKeys(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const dir = env.DOCKER_CONFIG || join(homedir(), '.docker')
  try {
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as {detachKeys?: unknown}
    return typeof config.detachKeys === 'string' && config.detachKeys !== '' ? config.detachKeys : undefined
  } catch {
    return undefined // no config, or not JSON: Docker carries on with its defaults too
  }
}
