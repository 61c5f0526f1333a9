// The daemons every conformance suite runs against: our mock daemon, a private real dockerd and a private
// podman API service (its Docker-compatible socket).
import {join} from 'node:path'
import type {MockDaemonConfig} from '../../src/mock-daemon/index.js'
import {tempDir} from './temp.js'
import {startRealDockerd, type RealDockerd, type RunOptions, type TapLike} from './real-dockerd.js'

export interface ContainerSpec extends RunOptions {
  name: string
}

export interface Target {
  name: 'mock' | 'dockerd' | 'podman'
  host: string
  /** Real engines only, for checks the Docker CLI does better than the API (e.g. `docker inspect`). */
  dockerd?: RealDockerd
}

export type TargetFactory = (t: TapLike, containers: ContainerSpec[]) => Promise<Target | undefined>

/** The mock daemon in-process on a private socket, with `process` runtime containers (host commands). */
export const mockTarget: TargetFactory = async (t, containers) => {
  const dir = tempDir(t, 'hj-m-')
  const config: MockDaemonConfig = {
    containers: containers.map((c) => ({
      name: c.name, cmd: c.cmd, tty: c.tty ?? false, openStdin: c.openStdin ?? false, stdinOnce: c.stdinOnce ?? false, env: c.env ?? [],
    })),
  }
  const {startMockDaemon} = await import('../../src/mock-daemon/index.js')
  const daemon = await startMockDaemon({socket: join(dir, 'd.sock'), config})
  t.teardown(() => daemon.close())
  return {name: 'mock', host: daemon.url}
}

/** A private dockerd (started or reused via HIJACK_DOCKER_HOST) with busybox containers, network mode none. */
export const dockerdTarget: TargetFactory = async (t, containers) => {
  const dockerd = await startRealDockerd(t)
  if (!dockerd) return undefined
  for (const c of containers) await dockerd.run(c.name, c)
  return {name: 'dockerd', host: dockerd.host, dockerd}
}

/** A private podman 4 API service (started or reused via HIJACK_PODMAN_HOST), the same containers, network mode none. */
export const podmanTarget: TargetFactory = async (t, containers) => {
  const podman = await startRealDockerd(t, {engine: 'podman'})
  if (!podman) return undefined
  for (const c of containers) await podman.run(c.name, c)
  return {name: 'podman', host: podman.host, dockerd: podman}
}

/** Every daemon; HIJACK_TARGETS=mock (or dockerd, podman, a comma list) narrows a local run, never CI's. */
export const TARGETS: Array<[Target['name'], TargetFactory]> = ([
  ['mock', mockTarget],
  ['dockerd', dockerdTarget],
  ['podman', podmanTarget],
] as Array<[Target['name'], TargetFactory]>).filter(([name]) =>
  process.env.CI === 'true' || !process.env.HIJACK_TARGETS || process.env.HIJACK_TARGETS.split(',').includes(name))
