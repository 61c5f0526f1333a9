// The signal proxy with a fake signal source: each signal forwarded by its Docker name, the third
// INT/TERM in a row forces the exit, and a failed forward is reported, not thrown.
import {EventEmitter} from 'node:events'
import t from 'tap'
import {FORCE_EXIT_AFTER, PROXIED_SIGNALS, proxySignals} from '../../src/cli/signal-proxy.js'

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

t.test('every proxied signal is forwarded without its SIG prefix', async (t) => {
  const events = new EventEmitter()
  const forwarded: string[] = []
  const stop = proxySignals(async (name) => { forwarded.push(name) }, () => t.fail('no forced exit'), undefined, events)
  for (const signal of PROXIED_SIGNALS) events.emit(signal, signal)
  t.same(forwarded, PROXIED_SIGNALS.map((s) => s.slice(3)))
  stop()
  t.equal(PROXIED_SIGNALS.reduce((n, s) => n + events.listenerCount(s), 0), 0, 'stop removes every handler')
})

t.test(`the ${FORCE_EXIT_AFTER}rd INT/TERM in a row forces the exit instead of being forwarded; another signal resets the count`, async (t) => {
  const events = new EventEmitter()
  const forwarded: string[] = []
  const forced: string[] = []
  const stop = proxySignals(async (name) => { forwarded.push(name) }, (signal) => forced.push(signal), undefined, events)
  events.emit('SIGINT', 'SIGINT')
  events.emit('SIGTERM', 'SIGTERM')
  events.emit('SIGUSR1', 'SIGUSR1')
  events.emit('SIGINT', 'SIGINT')
  events.emit('SIGINT', 'SIGINT')
  t.same(forced, [], 'USR1 broke the run')
  events.emit('SIGTERM', 'SIGTERM')
  t.same(forced, ['SIGTERM'])
  t.same(forwarded, ['INT', 'TERM', 'USR1', 'INT', 'INT'])
  stop()
})

t.test('a failed forward goes to onForwardError', async (t) => {
  const events = new EventEmitter()
  const errors: string[] = []
  const stop = proxySignals(async () => { throw new Error('No such container: gone') }, () => {}, (error) => errors.push(error.message), events)
  events.emit('SIGHUP', 'SIGHUP')
  await tick()
  t.same(errors, ['No such container: gone'])
  stop()
})
