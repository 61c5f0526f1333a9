// GET /images/json, GET /images/{name}/json, POST /images/create (pull) and DELETE /images/{name}.
// A pull never leaves the machine: it names the image locally and streams dockerd's progress lines.
import type {ImageInfo, ImageInspectInfo} from 'dockerode'
import {familiarName, type MockImage, qualifiedName} from '../engine/image-store.js'
import type {Engine} from '../engine/engine.js'
import {ApiError} from '../server/api-error.js'
import type {DaemonRequest} from '../server/daemon-request.js'
import type {ApiContext} from './context.js'
import {goArch} from './system.js'
import {boolFilter, boolQuery, filtersQuery, labelsMatch} from './validate.js'

/** How many containers (any state) use the image. */
export function usedBy(engine: Engine, image: MockImage): number {
  return engine.containers.all().filter((c) => engine.images.find(c.spec.image) === image).length
}

/** The `GET /images/json` entry (`docker images` columns: repository, tag, id, created, size). */
export function imageSummary(image: MockImage, containers: number): ImageInfo {
  return {
    Id: image.id,
    ParentId: '',
    RepoTags: [...image.repoTags],
    RepoDigests: [],
    Created: image.created,
    Size: 0,
    SharedSize: -1,
    VirtualSize: 0,
    Labels: {},
    Containers: containers,
  }
}

function findImage(engine: Engine, ref: string): MockImage {
  const image = engine.images.find(ref)
  if (!image) throw new ApiError(404, `No such image: ${ref}`)
  return image
}

export function listImages(ctx: ApiContext, req: DaemonRequest): void {
  const filters = filtersQuery(req, ['before', 'dangling', 'label', 'reference', 'since', 'until'])
  boolFilter(filters, 'dangling')
  const dangling = filters.get('dangling')
  const references = filters.get('reference')
  const list = ctx.engine.images.all().filter((image) =>
    // Nothing here is dangling: every image has a name.
    !(dangling?.includes('true') || dangling?.includes('1')) &&
    labelsMatch(filters.get('label'), {}) &&
    (!references || references.some((ref) => image.repoTags.some((tag) => referenceMatches(ref, tag)))))
  req.sendJson(200, list.map((image) => imageSummary(image, -1)))
}

/** dockerd's `reference` filter: a glob on the familiar name, with or without the tag. */
function referenceMatches(pattern: string, tag: string): boolean {
  const glob = (p: string) => new RegExp(`^${p.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]')}$`)
  return glob(pattern).test(tag) || glob(pattern).test(tag.replace(/:[^:/]+$/, ''))
}

export function inspectImage(ctx: ApiContext, req: DaemonRequest, ref: string): void {
  const image = findImage(ctx.engine, ref)
  const created = new Date(image.created * 1000).toISOString()
  const inspect: ImageInspectInfo = {
    Id: image.id,
    RepoTags: [...image.repoTags],
    RepoDigests: [],
    Parent: '',
    Comment: '',
    Created: created,
    Container: '',
    ContainerConfig: {
      Hostname: '', Domainname: '', User: '', AttachStdin: false, AttachStdout: false, AttachStderr: false,
      ExposedPorts: {}, Tty: false, OpenStdin: false, StdinOnce: false, Env: [], Cmd: [], Image: '',
      Volumes: {}, WorkingDir: '', Entrypoint: undefined, OnBuild: [], Labels: {}, ArgsEscaped: false,
    },
    DockerVersion: '',
    Author: '',
    Config: {
      Hostname: '', Domainname: '', User: '', AttachStdin: false, AttachStdout: false, AttachStderr: false,
      ExposedPorts: {}, Tty: false, OpenStdin: false, StdinOnce: false,
      Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], Cmd: [], Image: '',
      Volumes: {}, WorkingDir: '', Entrypoint: undefined, OnBuild: [], Labels: {}, ArgsEscaped: false,
    },
    Architecture: goArch(),
    Os: 'linux',
    Size: 0,
    VirtualSize: 0,
    GraphDriver: {Name: 'mock', Data: {DeviceId: '', DeviceName: '', DeviceSize: ''}},
    RootFS: {Type: 'layers', Layers: []},
  }
  req.sendJson(200, {...inspect, Metadata: {LastTagTime: '0001-01-01T00:00:00Z'}})
}

/**
 * POST /images/create?fromImage=&tag=: the image is named locally and the answer is dockerd's progress
 * stream (`Pulling from`, `Digest`, `Status`), so `docker pull` and clients that pull first are content.
 */
export async function pullImage(ctx: ApiContext, req: DaemonRequest): Promise<void> {
  const fromImage = req.query.get('fromImage') ?? ''
  if (req.query.get('fromSrc')) throw new ApiError(400, 'importing images (fromSrc) is not supported by the hijack mock daemon')
  if (fromImage === '') throw new ApiError(400, 'fromImage or fromSrc is required')
  const tag = req.query.get('tag') ?? ''
  // The CLI sends the tag apart (`fromImage=alpine&tag=3`); other clients put it in fromImage.
  const hasTag = /:[^/]+$/.test(fromImage) || fromImage.includes('@')
  const ref = tag === '' || hasTag ? fromImage : tag.startsWith('sha256:') ? `${fromImage}@${tag}` : `${fromImage}:${tag}`
  const name = familiarName(ref)
  if (!name) throw new ApiError(400, 'invalid reference format')
  const {image, existed} = ctx.engine.pullImage(name)!
  const shownTag = name.includes('@') ? name.slice(name.indexOf('@') + 1) : name.slice(name.lastIndexOf(':') + 1)
  const repo = qualifiedName(name).replace(/^docker\.io\//, '').replace(/[:@][^/]*$/, '')
  const lines = [
    {status: `Pulling from ${repo}`, id: shownTag},
    {status: `Digest: ${image.id}`},
    {status: existed ? `Status: Image is up to date for ${name}` : `Status: Downloaded newer image for ${name}`},
  ]
  const response = req.startChunked(200, 'application/json')
  response.end(Buffer.from(lines.map((line) => `${JSON.stringify(line)}\r\n`).join('')))
}

export function removeImage(ctx: ApiContext, req: DaemonRequest, ref: string): void {
  const image = findImage(ctx.engine, ref)
  const force = boolQuery(req, 'force')
  const user = ctx.engine.imageUser(image)
  if (user && !force) {
    throw new ApiError(409, `conflict: unable to remove repository reference "${ref}" (must force) - container ${user.id.slice(0, 12)} is using its referenced image ${image.id.slice(7, 19)}`)
  }
  ctx.engine.removeImage(image)
  req.sendJson(200, [...image.repoTags.map((name) => ({Untagged: name})), {Deleted: image.id}])
}
