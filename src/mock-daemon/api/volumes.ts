// GET /volumes and GET /volumes/{name}: the mock has no volumes (mounts are recorded, never made).
import {ApiError} from '../server/api-error.js'
import type {DaemonRequest} from '../server/daemon-request.js'
import type {ApiContext} from './context.js'
import {boolFilter, filtersQuery} from './validate.js'

export function listVolumes(_ctx: ApiContext, req: DaemonRequest): void {
  const filters = filtersQuery(req, ['dangling', 'driver', 'label', 'name'])
  boolFilter(filters, 'dangling')
  req.sendJson(200, {Volumes: [], Warnings: []})
}

export function noSuchVolume(_ctx: ApiContext, _req: DaemonRequest, name: string): void {
  throw new ApiError(404, `get ${name}: no such volume`)
}
