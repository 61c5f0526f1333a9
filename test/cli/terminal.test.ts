// Terminal handling with fakes: raw mode restored on every way out, and the size followed in order.
import {EventEmitter} from 'node:events'
import t from 'tap'
import {enterRawMode, followTerminalSize, terminalSize} from '../../src/cli/terminal.js'

/** A terminal stdout: isTTY, a size, and 'resize' events. */
function fakeTerminal(rows: number, columns: number): NodeJS.WriteStream {
  return Object.assign(new EventEmitter(), {isTTY: true, rows, columns}) as unknown as NodeJS.WriteStream
}

const settle = (ms = 30): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let waited = 0; !condition(); waited += 5) {
    if (waited > 10_000) throw new Error(`never: ${what}`)
    await settle(5)
  }
}

t.test('raw mode: a terminating signal restores the terminal and exits through the given exit with 128+N', async (t) => {
  const modes: boolean[] = []
  const events = new EventEmitter()
  const exits: number[] = []
  const restore = enterRawMode({setRawMode: (mode: boolean) => { modes.push(mode); return undefined as never }}, {events, exit: (code) => exits.push(code)})
  t.same(modes, [true])
  t.equal(events.listenerCount('SIGTERM'), 1)
  events.emit('SIGTERM', 'SIGTERM')
  t.same(modes, [true, false], 'restored before exiting')
  t.same(exits, [143])
  t.equal(events.listenerCount('SIGTERM') + events.listenerCount('exit'), 0, 'no handler left behind')
  restore()
  t.same(modes, [true, false], 'restore is idempotent')
})

t.test('raw mode: process exit restores too; a terminal gone by then is not an error', async (t) => {
  const events = new EventEmitter()
  let calls = 0
  enterRawMode({setRawMode: (mode: boolean) => {
    calls++
    if (!mode) throw new Error('EIO')
    return undefined as never
  }}, {events, exit: () => t.fail('no exit')})
  events.emit('exit', 0)
  t.equal(calls, 2)
  t.equal(events.listenerCount('SIGINT'), 0)
})

t.test('terminalSize: undefined without a terminal or for 0x0', async (t) => {
  t.same(terminalSize(fakeTerminal(24, 80)), [24, 80])
  t.equal(terminalSize(fakeTerminal(0, 0)), undefined)
  t.equal(terminalSize(Object.assign(fakeTerminal(24, 80), {isTTY: false})), undefined)
})

t.test('followTerminalSize: the first resize is retried until the process exists, then each change is sent', async (t) => {
  const stdout = fakeTerminal(24, 80)
  const sent: string[] = []
  let failures = 2
  const stop = followTerminalSize(stdout, async (rows, cols) => {
    if (failures-- > 0) throw new Error('no such exec process yet')
    sent.push(`${rows}x${cols}`)
  })
  await until(() => sent.length === 1, 'the first size')
  t.same(sent, ['24x80'], 'sent once, after two failed attempts')
  Object.assign(stdout, {rows: 30, columns: 100})
  stdout.emit('resize')
  await until(() => sent.length === 2, 'the new size')
  t.same(sent, ['24x80', '30x100'])
  stop()
  Object.assign(stdout, {rows: 10, columns: 10})
  stdout.emit('resize')
  await settle()
  t.same(sent, ['24x80', '30x100'], 'nothing after stop')
  t.equal(stdout.listenerCount('resize'), 0)
})

t.test('followTerminalSize: gives up after initialRetries; bump sends a bigger size first', async (t) => {
  const stdout = fakeTerminal(24, 80)
  let attempts = 0
  followTerminalSize(stdout, async () => {
    attempts++
    throw new Error('refused')
  }, {initialRetries: 3})()
  await settle(300)
  t.equal(attempts, 0, 'stopped before its turn: nothing sent, nothing retried')

  const stdout2 = fakeTerminal(24, 80)
  let attempts2 = 0
  const stop2 = followTerminalSize(stdout2, async () => {
    attempts2++
    throw new Error('refused')
  }, {initialRetries: 3})
  await settle(300)
  stop2()
  t.equal(attempts2, 4, 'one attempt and three retries')

  const sent: string[] = []
  const stop3 = followTerminalSize(fakeTerminal(24, 80), async (rows, cols) => { sent.push(`${rows}x${cols}`) }, {bump: true, initialRetries: 0})
  await until(() => sent.length === 2, 'bump then size')
  stop3()
  t.same(sent, ['25x81', '24x80'])
})

t.test('followTerminalSize: resizes go one at a time and a late one reads the size afresh', async (t) => {
  const stdout = fakeTerminal(24, 80)
  const sent: string[] = []
  let inFlight = 0
  let maxInFlight = 0
  const stop = followTerminalSize(stdout, async (rows, cols) => {
    inFlight++
    maxInFlight = Math.max(maxInFlight, inFlight)
    await settle(10)
    sent.push(`${rows}x${cols}`)
    inFlight--
  })
  Object.assign(stdout, {rows: 40, columns: 120})
  stdout.emit('resize')
  stdout.emit('resize')
  await until(() => sent.length === 3, 'three sends')
  stop()
  t.equal(maxInFlight, 1)
  t.equal(sent.at(-1), '40x120', 'the newest size is the last sent')
  t.notOk(sent.includes('24x80') && sent.indexOf('24x80') > sent.indexOf('40x120'), 'an old size never follows a newer one')
})

t.test('followTerminalSize: confirmAfterMs sends the size once more, after the bump, and not after a stop', async (t) => {
  const sent: string[] = []
  const stop = followTerminalSize(fakeTerminal(24, 80), async (rows, cols) => { sent.push(`${rows}x${cols}`) }, {bump: true, initialRetries: 0, confirmAfterMs: 50})
  await until(() => sent.length === 3, 'bump, size, confirmation')
  stop()
  t.same(sent, ['25x81', '24x80', '24x80'])

  const early: string[] = []
  const stop2 = followTerminalSize(fakeTerminal(24, 80), async (rows, cols) => { early.push(`${rows}x${cols}`) }, {confirmAfterMs: 100})
  await until(() => early.length === 1, 'the first size')
  stop2()
  await settle(200)
  t.same(early, ['24x80'], 'stopped before the confirmation: nothing more')
})

t.test('followTerminalSize: no terminal, nothing sent', async (t) => {
  let calls = 0
  const stop = followTerminalSize(Object.assign(fakeTerminal(24, 80), {isTTY: false}), async () => { calls++ })
  await settle()
  stop()
  t.equal(calls, 0)
})
