// GET /system/df: the images and containers the mock knows, all of size 0 (nothing is on disk).
import {type RouteTable} from './api-common.js'
import {imageSummary, usedBy} from './api-images.js'
import {ApiError} from './http.js'
import type {Exchange} from './server.js'

export const SYSTEM_DF_ROUTES: RouteTable = [['GET', /^\/system\/df$/, systemDf]]

const TYPES = ['container', 'image', 'volume', 'build-cache']

function systemDf(ex: Exchange): void {
  const asked = ex.query.getAll('type')
  for (const type of asked) if (!TYPES.includes(type)) throw new ApiError(400, `unknown object type: ${type}`)
  const wants = (type: string) => asked.length === 0 || asked.includes(type)
  const now = Date.now()
  ex.sendJson(200, {
    LayersSize: 0,
    Images: wants('image') ? ex.server.images.all().map((image) => imageSummary(image, usedBy(ex, image))) : [],
    Containers: wants('container') ? [...ex.server.containers.all()].reverse().map((c) => ({...c.summary(now), SizeRw: 0, SizeRootFs: 0})) : [],
    Volumes: [],
    BuildCache: [],
  })
}
