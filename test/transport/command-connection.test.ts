// CommandConnection's preamble: the ssh master's remote command may print one marked line (the remote
// docker's endpoint) before its stream. The line is taken off wherever the child's writes split it, and
// never a byte of the stream is lost or added: no line, a stream that merely starts like the marker,
// a child that ends inside what looked like a preamble.
import {spawn} from 'node:child_process'
import t, {type Test} from 'tap'
import {CommandConnection} from '../../src/transport/command-connection.js'

const MARKER = 'hijack-endpoint '

/** Runs `script` in sh as a connection's command; resolves with the preamble line and the stream's bytes. */
async function run(t: Test, script: string): Promise<{line: string | undefined | 'never'; stream: string}> {
  let line: string | undefined | 'never' = 'never'
  const connection = new CommandConnection('sh test', Promise.resolve(), () => spawn('sh', ['-c', script]), {
    marker: MARKER,
    onLine: (l) => {
      t.equal(line, 'never', 'onLine is called once')
      line = l
    },
  })
  connection.end()
  const chunks: Buffer[] = []
  for await (const chunk of connection) chunks.push(chunk as Buffer)
  return {line, stream: Buffer.concat(chunks).toString('latin1')}
}

t.test('a preamble line in one write with the stream after it', async (t) => {
  t.same(await run(t, `printf '${MARKER}unix:///run/d.sock\\nHTTP/1.1 200 OK\\r\\n'`), {line: 'unix:///run/d.sock', stream: 'HTTP/1.1 200 OK\r\n'})
})

t.test('a preamble split across writes, byte by byte at the start', async (t) => {
  const script = `for c in h i j a c k; do printf "$c"; sleep 0.05; done; printf -- '-endpoint tcp://x:2376'; sleep 0.1; printf '\\n'; sleep 0.1; printf 'stream'`
  t.same(await run(t, script), {line: 'tcp://x:2376', stream: 'stream'})
})

t.test('no preamble: every byte is the stream', async (t) => {
  t.same(await run(t, `printf 'HTTP/1.1 200 OK\\r\\n\\r\\nbody'`), {line: undefined, stream: 'HTTP/1.1 200 OK\r\n\r\nbody'})
})

t.test('a stream that starts like the marker and then differs is kept whole', async (t) => {
  t.same(await run(t, `printf 'hijack'; sleep 0.1; printf 'ed bytes'`), {line: undefined, stream: 'hijacked bytes'})
})

t.test('a child that ends inside what looked like a preamble: its bytes are the stream', async (t) => {
  t.same(await run(t, `printf '${MARKER}no newline'`), {line: undefined, stream: `${MARKER}no newline`})
})

t.test('a marked line that never ends is given up after 4 KiB, with every byte kept', async (t) => {
  const long = 'x'.repeat(5000)
  t.same(await run(t, `printf '${MARKER}${long}'; sleep 0.2; printf 'tail'`), {line: undefined, stream: `${MARKER}${long}tail`})
})
