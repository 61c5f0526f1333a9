// System endpoints: /_ping, /version, /info.
import {arch, cpus, hostname, release, totalmem} from 'node:os'
import type {DaemonRequest} from '../server/daemon-request.js'
import {API_VERSION, ENGINE_VERSION, MIN_API_VERSION} from '../version.js'
import type {ApiContext} from './context.js'

export function ping(ctx: ApiContext, req: DaemonRequest): void {
  req.send(200, Buffer.from('OK'), 'text/plain; charset=utf-8', {
    'Cache-Control': 'no-cache, no-store, must-revalidate',
    Pragma: 'no-cache',
    ...ctx.flavor.pingHeaders,
  })
}

/** Go's name for the CPU architecture (`amd64`), as dockerd reports it. */
export const goArch = (): string => ({x64: 'amd64', arm64: 'arm64', ia32: '386', arm: 'arm'})[arch()] ?? arch()

export function version(_ctx: ApiContext, req: DaemonRequest): void {
  req.sendJson(200, {
    Platform: {Name: 'hijack mock daemon'},
    Components: [{Name: 'Engine', Version: ENGINE_VERSION, Details: {ApiVersion: API_VERSION, MinAPIVersion: MIN_API_VERSION, Os: 'linux', Arch: goArch()}}],
    Version: ENGINE_VERSION,
    ApiVersion: API_VERSION,
    MinAPIVersion: MIN_API_VERSION,
    GitCommit: 'mock',
    GoVersion: 'none',
    Os: 'linux',
    Arch: goArch(),
    KernelVersion: release(),
    BuildTime: '2025-01-01T00:00:00.000000000+00:00',
  })
}

export function info(ctx: ApiContext, req: DaemonRequest): void {
  const all = ctx.engine.containers.all()
  const running = all.filter((c) => c.running).length
  req.sendJson(200, {
    ID: 'hijack-mock',
    Containers: all.length,
    ContainersRunning: running,
    ContainersPaused: all.filter((c) => c.paused).length,
    ContainersStopped: all.length - running,
    Images: ctx.engine.images.all().length,
    Driver: 'mock',
    Name: hostname(),
    ServerVersion: ENGINE_VERSION,
    OperatingSystem: 'hijack mock daemon',
    OSType: 'linux',
    Architecture: goArch(),
    KernelVersion: release(),
    NCPU: cpus().length,
    MemTotal: totalmem(),
    ExperimentalBuild: false,
  })
}
