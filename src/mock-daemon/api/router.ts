// The Engine API routes the mock answers: method and path to a handler, behind dockerd's version gate.
// A new endpoint: its handler in the file of its resource (or a new one beside them), a line here.
import {compareVersions} from '../../protocol/api-version.js'
import {ApiError} from '../server/api-error.js'
import type {DaemonRequest} from '../server/daemon-request.js'
import {API_VERSION, MIN_API_VERSION} from '../version.js'
import {attach} from './attach.js'
import {changes, getArchive, pause, rename, stats, top, unpause, update} from './container-extras.js'
import {createContainer, inspectContainer, killContainer, listContainers, removeContainer, resizeContainer, restartContainer, startContainer, stopContainer, waitContainer} from './containers.js'
import type {ApiContext, Handler} from './context.js'
import {events} from './events.js'
import {createExec, inspectExec, resizeExec, startExec} from './exec.js'
import {inspectNode, inspectService, inspectTask, listNodes, listServices, listTasks} from './swarm.js'
import {inspectImage, listImages, pullImage, removeImage} from './images.js'
import {logs} from './logs.js'
import {inspectNetwork, listNetworks, removeNetwork} from './networks.js'
import {systemDf} from './system-df.js'
import {info, ping, version} from './system.js'
import {decodeParam} from './validate.js'
import {listVolumes, noSuchVolume} from './volumes.js'

const ROUTES: [method: string, pattern: RegExp, handler: Handler][] = [
  ['GET', /^\/_ping$/, ping],
  ['HEAD', /^\/_ping$/, ping],
  ['GET', /^\/version$/, version],
  ['GET', /^\/info$/, info],
  ['GET', /^\/events$/, events],
  ['GET', /^\/system\/df$/, systemDf],
  ['GET', /^\/containers\/json$/, listContainers],
  ['POST', /^\/containers\/create$/, createContainer],
  ['DELETE', /^\/containers\/([^/]+)$/, removeContainer],
  ['GET', /^\/containers\/([^/]+)\/json$/, inspectContainer],
  ['POST', /^\/containers\/([^/]+)\/exec$/, createExec],
  ['POST', /^\/containers\/([^/]+)\/attach$/, attach],
  ['POST', /^\/containers\/([^/]+)\/wait$/, waitContainer],
  ['POST', /^\/containers\/([^/]+)\/kill$/, killContainer],
  ['POST', /^\/containers\/([^/]+)\/resize$/, resizeContainer],
  ['POST', /^\/containers\/([^/]+)\/start$/, startContainer],
  ['POST', /^\/containers\/([^/]+)\/stop$/, stopContainer],
  ['POST', /^\/containers\/([^/]+)\/restart$/, restartContainer],
  ['GET', /^\/containers\/([^/]+)\/logs$/, logs],
  ['GET', /^\/containers\/([^/]+)\/top$/, top],
  ['POST', /^\/containers\/([^/]+)\/pause$/, pause],
  ['POST', /^\/containers\/([^/]+)\/unpause$/, unpause],
  ['POST', /^\/containers\/([^/]+)\/rename$/, rename],
  ['GET', /^\/containers\/([^/]+)\/stats$/, stats],
  ['GET', /^\/containers\/([^/]+)\/changes$/, changes],
  ['POST', /^\/containers\/([^/]+)\/update$/, update],
  ['GET', /^\/containers\/([^/]+)\/archive$/, getArchive],
  ['HEAD', /^\/containers\/([^/]+)\/archive$/, getArchive],
  ['POST', /^\/exec\/([^/]+)\/start$/, startExec],
  ['POST', /^\/exec\/([^/]+)\/resize$/, resizeExec],
  ['GET', /^\/exec\/([^/]+)\/json$/, inspectExec],
  ['GET', /^\/nodes$/, listNodes],
  ['GET', /^\/nodes\/([^/]+)$/, inspectNode],
  ['GET', /^\/services$/, listServices],
  ['GET', /^\/services\/([^/]+)$/, inspectService],
  ['GET', /^\/tasks$/, listTasks],
  ['GET', /^\/tasks\/([^/]+)$/, inspectTask],
  ['GET', /^\/images\/json$/, listImages],
  ['POST', /^\/images\/create$/, pullImage],
  ['GET', /^\/images\/(.+)\/json$/, inspectImage],
  ['DELETE', /^\/images\/(.+)$/, removeImage],
  ['GET', /^\/networks$/, listNetworks],
  ['GET', /^\/networks\/([^/]+)$/, inspectNetwork],
  ['DELETE', /^\/networks\/([^/]+)$/, removeNetwork],
  ['GET', /^\/volumes$/, listVolumes],
  ['GET', /^\/volumes\/([^/]+)$/, noSuchVolume],
  ['DELETE', /^\/volumes\/([^/]+)$/, noSuchVolume],
]

/** Answers one request: a version the daemon does not speak is a 400, an unknown route a 404. */
export async function route(ctx: ApiContext, req: DaemonRequest): Promise<void> {
  if (compareVersions(req.version, API_VERSION) > 0) {
    throw new ApiError(400, `client version ${req.version} is too new. Maximum supported API version is ${API_VERSION}`)
  }
  if (compareVersions(req.version, MIN_API_VERSION) < 0) {
    throw new ApiError(400, `client version ${req.version} is too old. Minimum supported API version is ${MIN_API_VERSION}, please upgrade your client to a newer version`)
  }
  for (const [method, pattern, handler] of ROUTES) {
    const m = pattern.exec(req.path)
    if (m && method === req.method) {
      await handler(ctx, req, ...m.slice(1).map(decodeParam))
      return
    }
  }
  throw new ApiError(404, 'page not found')
}
