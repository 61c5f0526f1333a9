// The endpoints a Docker client touches beyond exec, attach and the container lifecycle (issue 16):
// one table for routes.ts to append to its own.
import type {RouteTable} from './api-common.js'
import {CONTAINER_EXTRA_ROUTES} from './api-container-extras.js'
import {EVENT_ROUTES} from './api-events.js'
import {IMAGE_ROUTES} from './api-images.js'
import {LOG_ROUTES} from './api-logs.js'
import {NETWORK_ROUTES} from './api-networks.js'
import {SYSTEM_DF_ROUTES} from './api-system-df.js'
import {VOLUME_ROUTES} from './api-volumes.js'

export const EXTRA_ROUTES: RouteTable = [
  ...LOG_ROUTES,
  ...EVENT_ROUTES,
  ...CONTAINER_EXTRA_ROUTES,
  ...IMAGE_ROUTES,
  ...NETWORK_ROUTES,
  ...VOLUME_ROUTES,
  ...SYSTEM_DF_ROUTES,
]
