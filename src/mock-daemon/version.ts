// What the mock says it is. The Docker CLI negotiates down to API_VERSION.
export const API_VERSION = '1.47'
export const MIN_API_VERSION = '1.24'
export const ENGINE_VERSION = '28.0.0-hijack-mock'
