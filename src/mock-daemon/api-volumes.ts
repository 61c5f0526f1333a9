// GET /volumes and GET /volumes/{name}: the mock has no volumes (mounts are recorded, never made).
import {filtersQuery, type RouteTable} from './api-common.js'
import {ApiError} from './http.js'
import type {Exchange} from './server.js'

export const VOLUME_ROUTES: RouteTable = [
  ['GET', /^\/volumes$/, listVolumes],
  ['GET', /^\/volumes\/([^/]+)$/, noSuchVolume],
  ['DELETE', /^\/volumes\/([^/]+)$/, noSuchVolume],
]

function listVolumes(ex: Exchange): void {
  const filters = filtersQuery(ex, ['dangling', 'driver', 'label', 'name'])
  for (const v of filters.get('dangling') ?? []) {
    if (!['true', 'false', '1', '0'].includes(v)) throw new ApiError(400, `invalid filter 'dangling=${v}'`)
  }
  ex.sendJson(200, {Volumes: [], Warnings: []})
}

function noSuchVolume(_ex: Exchange, name: string): void {
  throw new ApiError(404, `get ${name}: no such volume`)
}
