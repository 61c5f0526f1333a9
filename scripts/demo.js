#!/usr/bin/env node
// `npm run demo`: starts the embedded mock daemon and runs `hijack exec` against it, as a transcript.
// Needs nothing but this package (no Docker): the mock's containers run built-in programs or local commands.
import {spawn} from 'node:child_process'
import {createHash, randomBytes} from 'node:crypto'
import {startMockDaemon} from '../dist/mock-daemon/index.js'
import {hijackArgv} from './hijack-bin.js'

const env = {...process.env}
delete env.NODE_EXTRA_CA_CERTS
delete env.NODE_OPTIONS

const daemon = await startMockDaemon({
  config: {
    containers: [
      {name: 'demo', runtime: 'builtin', cmd: ['sleep', '3600']},
      {name: 'shell', runtime: 'process', cmd: ['sleep', '3600'], env: ['GREETING=hello']},
    ],
  },
})

function hijack(args, input) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...hijackArgv(), 'exec', '-H', daemon.url, ...args], {env})
    const out = []
    const err = []
    child.stdout.on('data', (c) => out.push(c))
    child.stderr.on('data', (c) => err.push(c))
    child.on('error', reject)
    child.on('close', (code) => resolve({code, stdout: Buffer.concat(out), stderr: Buffer.concat(err)}))
    child.stdin.on('error', () => {})
    child.stdin.end(input)
  })
}

const show = (label, r, stdout = r.stdout.toString()) => {
  console.log(`$ hijack exec ${label}`)
  if (stdout) console.log(`  stdout: ${JSON.stringify(stdout)}`)
  if (r.stderr.length) console.log(`  stderr: ${JSON.stringify(r.stderr.toString())}`)
  console.log(`  exit:   ${r.code}\n`)
}

let failures = 0
const expect = (ok, what) => {
  if (!ok) {
    failures++
    console.log(`  !! unexpected: ${what}\n`)
  }
}

try {
  console.log(`mock daemon listening on ${daemon.url}\n`)

  let r = await hijack(['demo', 'echo', 'hello', 'from', 'the', 'mock', 'daemon'])
  show('demo echo hello from the mock daemon', r)
  expect(r.code === 0 && r.stdout.toString() === 'hello from the mock daemon\n', 'echo output')

  r = await hijack(['shell', 'sh', '-c', 'echo "$GREETING on stdout"; echo "on stderr" >&2; exit 7'])
  show(`shell sh -c 'echo "$GREETING on stdout"; echo "on stderr" >&2; exit 7'`, r)
  expect(r.code === 7 && r.stdout.toString() === 'hello on stdout\n' && r.stderr.toString() === 'on stderr\n', 'split streams, exit 7')

  const data = randomBytes(8 * 1024 * 1024)
  const digest = (b) => createHash('sha256').update(b).digest('hex').slice(0, 16)
  r = await hijack(['-i', 'demo', 'cat'], data)
  show('-i demo cat   < 8 MiB of random bytes', r, `${r.stdout.length} bytes, sha256 ${digest(r.stdout)}… (sent ${digest(data)}…)`)
  expect(r.code === 0 && digest(r.stdout) === digest(data), 'binary stdin round trip')

  r = await hijack(['demo', 'nosuchprogram'])
  show('demo nosuchprogram', r)
  expect(r.code === 127, 'not found is 127')

  r = await hijack(['nosuchcontainer', 'true'])
  show('nosuchcontainer true', r)
  expect(r.code === 1 && /No such container/.test(r.stderr.toString()), 'unknown container')
} finally {
  await daemon.close()
}
console.log(failures === 0 ? 'demo: every result as expected' : `demo: ${failures} unexpected result(s)`)
process.exitCode = failures === 0 ? 0 : 1
