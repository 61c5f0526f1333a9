// GET /networks and GET /networks/{id}: dockerd's three predefined networks. The mock has no
// container networking: every container is on `none`, and networks cannot be created or removed.
import {createHash} from 'node:crypto'
import type {NetworkInspectInfo} from 'dockerode'
import type {Engine} from '../engine/engine.js'
import {ApiError} from '../server/api-error.js'
import type {DaemonRequest} from '../server/daemon-request.js'
import type {ApiContext} from './context.js'
import {filtersQuery, labelsMatch} from './validate.js'

const DRIVERS: Record<string, string> = {bridge: 'bridge', host: 'host', none: 'null'}
const CREATED = new Date().toISOString()

function networkId(name: string): string {
  return createHash('sha256').update(`hijack-mock-network:${name}`).digest('hex')
}

function network(engine: Engine, name: string): NetworkInspectInfo {
  const containers: NonNullable<NetworkInspectInfo['Containers']> = {}
  // Every running container is on `none`, as dockerd shows containers made with `--network none`.
  if (name === 'none') {
    for (const c of engine.containers.all()) {
      if (c.running) containers[c.id] = {Name: c.name, EndpointID: networkId(`endpoint:${c.id}`), MacAddress: '', IPv4Address: '', IPv6Address: ''}
    }
  }
  return {
    Name: name,
    Id: networkId(name),
    Created: CREATED,
    Scope: 'local',
    Driver: DRIVERS[name],
    EnableIPv6: false,
    // The documentation range dockerd's default bridge uses; nothing listens there, nothing routes to it.
    IPAM: {Driver: 'default', Options: {}, Config: name === 'bridge' ? [{Subnet: '172.17.0.0/16', Gateway: '172.17.0.1'}] : []},
    Internal: false,
    Attachable: false,
    Ingress: false,
    ConfigFrom: {Network: ''},
    ConfigOnly: false,
    Containers: containers,
    Options: name === 'bridge' ? {'com.docker.network.bridge.default_bridge': 'true', 'com.docker.network.bridge.name': 'docker0'} : {},
    Labels: {},
  }
}

/** By name, full id or id prefix, as dockerd finds a network. */
function findNetwork(ref: string): string | undefined {
  const names = Object.keys(DRIVERS)
  if (names.includes(ref)) return ref
  if (ref === '' || !/^[0-9a-f]+$/.test(ref)) return undefined
  return names.find((name) => networkId(name).startsWith(ref))
}

export function listNetworks(ctx: ApiContext, req: DaemonRequest): void {
  const filters = filtersQuery(req, ['dangling', 'driver', 'id', 'label', 'name', 'scope', 'type'])
  for (const type of filters.get('type') ?? []) {
    if (type !== 'custom' && type !== 'builtin') throw new ApiError(400, `invalid filter: 'type'='${type}'`)
  }
  const has = (key: string, test: (value: string) => boolean): boolean => !filters.has(key) || filters.get(key)!.some(test)
  const list = Object.keys(DRIVERS).map((name) => network(ctx.engine, name)).filter((n) =>
    has('name', (v) => n.Name.includes(v)) &&
    has('id', (v) => n.Id.startsWith(v)) &&
    has('driver', (v) => v === n.Driver) &&
    has('scope', (v) => v === 'local') &&
    has('type', (v) => v === 'builtin') &&
    labelsMatch(filters.get('label'), {}))
  // GET /networks leaves out the containers (dockerd fills them in only on inspect).
  req.sendJson(200, list.map((n) => ({...n, Containers: {}})))
}

export function inspectNetwork(ctx: ApiContext, req: DaemonRequest, ref: string): void {
  const name = findNetwork(ref)
  if (!name) throw new ApiError(404, `network ${ref} not found`)
  req.sendJson(200, network(ctx.engine, name))
}

export function removeNetwork(_ctx: ApiContext, req: DaemonRequest, ref: string): void {
  const name = findNetwork(ref)
  if (!name) throw new ApiError(404, `network ${ref} not found`)
  throw new ApiError(403, `${name} is a pre-defined network and cannot be removed`)
}
