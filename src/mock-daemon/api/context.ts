// What every API handler gets: the engine it drives and the daemon's event emitter.
import type {EventEmitter} from 'node:events'
import {compareVersions} from '../../protocol/api-version.js'
import type {Engine} from '../engine/engine.js'
import type {DaemonRequest} from '../server/daemon-request.js'

export interface ApiContext {
  readonly engine: Engine
  /** 'attach' ({container, id}) and 'exec-start' ({id, container, detach}), for tests to follow. */
  readonly events: EventEmitter
}

export type Handler = (ctx: ApiContext, req: DaemonRequest, ...params: string[]) => Promise<void> | void

export function versionAtLeast(req: DaemonRequest, version: string): boolean {
  return compareVersions(req.version, version) >= 0
}

/**
 * How a hijacked stream is framed and labelled: stdcopy frames without a TTY, raw bytes with one.
 * Before API 1.42 dockerd said raw-stream whatever the framing.
 */
export function streamFormat(req: DaemonRequest, tty: boolean): {contentType: string; multiplexed: boolean} {
  const multiplexed = !tty
  const contentType = multiplexed && versionAtLeast(req, '1.42') ? 'application/vnd.docker.multiplexed-stream' : 'application/vnd.docker.raw-stream'
  return {contentType, multiplexed}
}
