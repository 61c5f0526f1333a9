// The transport: dialing, the hijack, stdcopy framing and the stream pump. It knows nothing of oclif.
// Stdcopy, detach keys and API versions are the wire code shared with the mock (protocol/), re-exported here.
export * from './errors.js'
export * from './host.js'
export * from './dial.js'
export * from './request.js'
export * from './hijack.js'
export * from '../protocol/errors.js'
export * from '../protocol/stdcopy.js'
export * from '../protocol/detach-keys.js'
export * from './session.js'
export * from './gc-pacer.js'
export * from './docker-api.js'
export * from '../protocol/api-version.js'
