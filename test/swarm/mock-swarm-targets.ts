// The resolver's view of a mock swarm, and the shape of a target (what a real and a mock swarm must
// agree on, whatever ids, addresses and placement they chose).
import {join} from 'node:path'
import {startMockDaemon} from '../../src/mock-daemon/index.js'
import {DockerApi} from '../../src/transport/docker-api.js'
import {parseHost} from '../../src/transport/host.js'
import {resolveServiceTargets, type TaskTarget} from '../../src/transport/service-tasks.js'
import {tempDir} from '../helpers/temp.js'

/** A mock manager with one node per hostname and `service` running one task on each; resolved with a socket template. */
export async function mockSwarmTargets(t: {teardown(fn: () => unknown): void}, hostnames: string[], service: string): Promise<TaskTarget[]> {
  const dir = tempDir(t, 'hj-ms-')
  const daemon = await startMockDaemon({
    socket: join(dir, 'manager.sock'),
    config: {
      nodes: hostnames.map((hostname) => ({hostname, socket: join(dir, `${hostname}.sock`)})),
      services: [{name: service, cmd: ['sleep', '1000'], runtime: 'builtin', tasks: hostnames.map((node) => ({node}))}],
    },
  })
  t.teardown(() => daemon.close())
  const api = await DockerApi.connect(parseHost(daemon.url), {})
  t.teardown(() => api.close())
  return resolveServiceTargets(api, {service, nodeHost: `unix://${dir}/{hostname}.sock`})
}

/** What does not depend on ids, addresses or which slot landed on which node. */
export function targetShape(target: TaskTarget): Record<string, unknown> {
  return {
    keys: Object.keys(target).sort(),
    service: target.service,
    slot: target.slot,
    prefix: target.prefix === `${target.service}.${target.slot}@${target.hostname}`,
    taskId: /^[a-z0-9]{25}$/.test(target.taskId),
    nodeId: /^[a-z0-9]{25}$/.test(target.nodeId),
    addr: /^\d+\.\d+\.\d+\.\d+$/.test(target.addr),
    containerId: /^[0-9a-f]{64}$/.test(target.containerId ?? ''),
    host: target.host?.replace(/^(unix:\/\/).*\/[^/]*$/, '$1') ?? null,
    nodeState: target.nodeState,
    taskState: target.taskState,
    problem: target.problem ?? null,
  }
}
