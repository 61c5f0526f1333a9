import {readFile} from 'node:fs/promises'
import {type Faults, FaultError, parseFaults} from './faults.js'
import {FLAVORS, type Flavor, isFlavor} from './api/flavor.js'
import {type SwarmSpec, SwarmConfigError, validateSwarmConfig} from './swarm-config.js'

export type RuntimeName = 'process' | 'builtin'

export interface ContainerConfig {
  name: string
  id?: string
  image?: string
  tty?: boolean
  openStdin?: boolean
  stdinOnce?: boolean
  cmd: string[]
  env?: string[]
  workdir?: string
  labels?: Record<string, string>
  runtime?: RuntimeName
  faults?: Faults | Record<string, unknown>
}

export interface MockConfig {
  containers?: ContainerConfig[]
  /** Runtime of containers that do not name one, config and API-created alike (default "process"). */
  defaultRuntime?: RuntimeName
  /** The engine imitated where engines differ: "docker" (default) or "podman" (see flavor.ts). */
  flavor?: Flavor
  /** A mock swarm (swarm-config.ts, engine/swarm.ts): nodes, each a mock daemon of its own, and services with tasks on them. */
  nodes?: unknown[]
  services?: unknown[]
}

/** A validated config. */
export interface DaemonConfig {
  containers: ContainerSpec[]
  defaultRuntime: RuntimeName
  flavor?: Flavor
  swarm?: SwarmSpec
}

/** A validated container: every optional field filled in. */
export interface ContainerSpec {
  name: string
  id?: string
  image: string
  tty: boolean
  openStdin: boolean
  stdinOnce: boolean
  cmd: string[]
  env: string[]
  workdir: string
  labels: Record<string, string>
  runtime: RuntimeName
  faults: Faults
  /** Created through the API: prepended to `cmd` when the process starts (config containers: none). */
  entrypoint?: string[]
  /** Created through the API: what the client sent, echoed by inspect (NetworkMode is always "none"). */
  hostConfig?: Record<string, unknown>
  /** Created through the API: `stop` defaults (Docker's StopSignal, StopTimeout). */
  stopSignal?: NodeJS.Signals
  stopTimeout?: number
}

export class ConfigError extends Error {}

const KNOWN_KEYS = new Set(['name', 'id', 'image', 'tty', 'openStdin', 'stdinOnce', 'cmd', 'env', 'workdir', 'labels', 'runtime', 'faults'])
const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function stringArray(value: unknown, where: string, nonEmpty: boolean): string[] {
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string') || (nonEmpty && value.length === 0)) {
    throw new ConfigError(`${where}: expected ${nonEmpty ? 'a non-empty' : 'an'} array of strings`)
  }
  return value
}

function optionalBool(value: unknown, where: string): boolean {
  if (value === undefined) return false
  if (typeof value !== 'boolean') throw new ConfigError(`${where}: expected true or false`)
  return value
}

export function isRuntimeName(value: unknown): value is RuntimeName {
  return value === 'process' || value === 'builtin'
}

function containerSpec(raw: unknown, index: number, defaultRuntime: RuntimeName): ContainerSpec {
  const at = `containers[${index}]`
  if (!isObject(raw)) throw new ConfigError(`${at}: expected an object`)
  for (const key of Object.keys(raw)) {
    if (!KNOWN_KEYS.has(key)) throw new ConfigError(`${at}: unknown key "${key}" (known: ${[...KNOWN_KEYS].join(', ')})`)
  }
  const name = typeof raw.name === 'string' ? raw.name.replace(/^\//, '') : undefined
  if (!name || !NAME.test(name)) throw new ConfigError(`${at}.name: expected a container name like "web" ([a-zA-Z0-9][a-zA-Z0-9_.-]*)`)
  const where = `container "${name}"`
  if (raw.id !== undefined && (typeof raw.id !== 'string' || !/^[0-9a-f]{64}$/.test(raw.id))) {
    throw new ConfigError(`${where}.id: expected 64 lowercase hex digits`)
  }
  if (raw.image !== undefined && typeof raw.image !== 'string') throw new ConfigError(`${where}.image: expected a string`)
  if (raw.workdir !== undefined && typeof raw.workdir !== 'string') throw new ConfigError(`${where}.workdir: expected a string`)
  const runtime = raw.runtime ?? defaultRuntime
  if (!isRuntimeName(runtime)) throw new ConfigError(`${where}.runtime: expected "process" or "builtin"`)
  const labels = raw.labels ?? {}
  if (!isObject(labels) || !Object.values(labels).every((v) => typeof v === 'string')) {
    throw new ConfigError(`${where}.labels: expected an object of strings`)
  }
  const env = raw.env === undefined ? [] : stringArray(raw.env, `${where}.env`, false)
  if (env.some((entry) => !entry.includes('=') || entry.startsWith('='))) throw new ConfigError(`${where}.env: entries must be KEY=VALUE`)
  let faults: Faults
  try {
    faults = parseFaults(raw.faults, where)
  } catch (error) {
    if (error instanceof FaultError) throw new ConfigError(error.message)
    throw error
  }
  return {
    name,
    id: raw.id as string | undefined,
    image: (raw.image as string | undefined) ?? 'hijack-mock',
    tty: optionalBool(raw.tty, `${where}.tty`),
    openStdin: optionalBool(raw.openStdin, `${where}.openStdin`),
    stdinOnce: optionalBool(raw.stdinOnce, `${where}.stdinOnce`),
    cmd: stringArray(raw.cmd, `${where}.cmd`, true),
    env,
    workdir: (raw.workdir as string | undefined) ?? '',
    labels: labels as Record<string, string>,
    runtime,
    faults,
  }
}

/** Checks a parsed config; every problem names the container and key. */
export function validateDaemonConfig(raw: unknown): DaemonConfig {
  if (!isObject(raw)) throw new ConfigError('config: expected a JSON object like {"containers": [...]}')
  for (const key of Object.keys(raw)) {
    if (!['containers', 'defaultRuntime', 'flavor', 'nodes', 'services'].includes(key)) throw new ConfigError(`config: unknown key "${key}" (known: containers, defaultRuntime, flavor, nodes, services)`)
  }
  let swarm: SwarmSpec | undefined
  try {
    swarm = validateSwarmConfig(raw)
  } catch (error) {
    if (error instanceof SwarmConfigError) throw new ConfigError(error.message)
    throw error
  }
  const defaultRuntime = raw.defaultRuntime ?? 'process'
  if (!isRuntimeName(defaultRuntime)) throw new ConfigError('config.defaultRuntime: expected "process" or "builtin"')
  if (raw.flavor !== undefined && !isFlavor(raw.flavor)) throw new ConfigError(`config.flavor: expected one of ${FLAVORS.join(', ')}`)
  const flavor = raw.flavor === undefined ? {} : {flavor: raw.flavor}
  if (raw.containers === undefined) return {containers: [], defaultRuntime, swarm, ...flavor}
  if (!Array.isArray(raw.containers)) throw new ConfigError('config.containers: expected an array')
  const specs = raw.containers.map((c, i) => containerSpec(c, i, defaultRuntime))
  const names = new Set<string>()
  const ids = new Set<string>()
  for (const spec of specs) {
    if (names.has(spec.name)) throw new ConfigError(`config: two containers are named "${spec.name}"`)
    names.add(spec.name)
    if (spec.id !== undefined) {
      if (ids.has(spec.id)) throw new ConfigError(`config: two containers have id ${spec.id}`)
      ids.add(spec.id)
    }
  }
  return {containers: specs, defaultRuntime, swarm, ...flavor}
}


export async function loadDaemonConfigFile(file: string): Promise<DaemonConfig> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    throw new ConfigError(`cannot read config ${file}: ${(error as Error).message}`)
  }
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch (error) {
    throw new ConfigError(`config ${file} is not valid JSON: ${(error as Error).message}`)
  }
  try {
    return validateDaemonConfig(raw)
  } catch (error) {
    if (error instanceof ConfigError) throw new ConfigError(`${file}: ${error.message}`)
    throw error
  }
}
