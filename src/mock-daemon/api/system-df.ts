// GET /system/df: the images and containers the mock knows, all of size 0 (nothing is on disk).
import type {DaemonRequest} from '../server/daemon-request.js'
import {ApiError} from '../server/api-error.js'
import {containerSummary} from '../engine/container-views.js'
import type {ApiContext} from './context.js'
import {imageSummary, usedBy} from './images.js'

const TYPES = ['container', 'image', 'volume', 'build-cache']

export function systemDf(ctx: ApiContext, req: DaemonRequest): void {
  const asked = req.query.getAll('type')
  for (const type of asked) if (!TYPES.includes(type)) throw new ApiError(400, `unknown object type: ${type}`)
  const wants = (type: string) => asked.length === 0 || asked.includes(type)
  const now = Date.now()
  req.sendJson(200, {
    LayersSize: 0,
    Images: wants('image') ? ctx.engine.images.all().map((image) => imageSummary(image, usedBy(ctx.engine, image))) : [],
    Containers: wants('container') ? [...ctx.engine.containers.all()].reverse().map((c) => ({...containerSummary(c, now), SizeRw: 0, SizeRootFs: 0})) : [],
    Volumes: [],
    BuildCache: [],
  })
}
