// Properties of host strings (src/transport/host.ts): any string parses or is a UsageError, and what
// parses describes itself: its url parses back to the same host.
import fc from 'fast-check'
import t from 'tap'
import {UsageError} from '../../src/transport/errors.js'
import {parseHost} from '../../src/transport/host.js'
import {check} from './fuzz-config.js'

const hostish = fc.oneof(
  fc.string({maxLength: 30}),
  fc.tuple(fc.constantFrom('unix://', 'tcp://', 'http://', 'TCP://', 'ssh://', 'fd://', 'npipe://', 'unix:', ''),
    fc.string({unit: fc.constantFrom(...'/[]:.0123456789abc- %@'.split('')), maxLength: 25})).map(([a, b]) => a + b),
)

t.test('any host string: a host or a UsageError', async (t) => {
  await check(t, 'host: typed errors, url round-trips', fc.property(hostish, (raw) => {
    let host
    try {
      host = parseHost(raw)
    } catch (error) {
      if (error instanceof UsageError) return true
      throw error
    }
    return JSON.stringify(parseHost(host.url)) === JSON.stringify(host)
  }), 2000)
})

t.test('hosts written out parse back to their parts', async (t) => {
  const tcp = fc.record({
    hostname: fc.oneof(fc.ipV4(), fc.ipV6(), fc.domain()),
    port: fc.integer({min: 1, max: 65535}),
  })
  await check(t, 'host: tcp round-trip', fc.property(tcp, fc.constantFrom('tcp', 'http'), ({hostname, port}, scheme) => {
    const shown = hostname.includes(':') ? `[${hostname}]` : hostname
    const host = parseHost(`${scheme}://${shown}:${port}`)
    return host.kind === 'tcp' && host.hostname === hostname && host.port === port && host.url === `tcp://${shown}:${port}`
  }), 500)
  const path = fc.array(fc.string({unit: fc.constantFrom(...'abc09._-'.split('')), minLength: 1, maxLength: 8}), {minLength: 1, maxLength: 4}).map((p) => `/${p.join('/')}`)
  await check(t, 'host: unix round-trip', fc.property(path, (p) => {
    const host = parseHost(`unix://${p}`)
    return host.kind === 'unix' && host.path === p && host.url === `unix://${p}`
  }), 500)
})
