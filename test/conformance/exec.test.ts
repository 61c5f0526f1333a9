// `hijack exec` against `docker exec` on the same daemon, for the mock daemon and a real dockerd.
import {createHash, randomBytes} from 'node:crypto'
import net from 'node:net'
import {userInfo} from 'node:os'
import {join} from 'node:path'
import t, {type Test} from 'tap'
import {dockerCli, hijack, runCommand, startHijack, HIJACK_BIN, type CliResult} from '../helpers/cli.js'
import {TARGETS} from '../helpers/targets.js'
import {tempDir} from '../helpers/temp.js'

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex')
const BOX = 'box'
/** The mock switches to the -u user only when it runs as root (docs/mock-daemon.md); it runs in this process. */
const MOCK_SWITCHES_USERS = process.getuid?.() === 0

for (const [name, start] of TARGETS) {
  t.test(`exec conformance on ${name}`, async (t) => {
    const target = await start(t, [{name: BOX, cmd: ['sleep', '1000000'], openStdin: true}])
    if (!target) return
    const {host} = target

    /** Runs the same exec with both CLIs; returns both results after checking they agree. */
    const both = async (t: Test, args: string[], input?: Buffer | string): Promise<[CliResult, CliResult]> => {
      const ours = await hijack(['exec', '-H', host, ...args], {input})
      const theirs = await dockerCli(host, ['exec', ...args], {input})
      t.equal(ours.code, theirs.code, 'same exit code as docker exec')
      t.equal(ours.stdout.toString(), theirs.stdout.toString(), 'same stdout as docker exec')
      return [ours, theirs]
    }

    t.test('echo', async (t) => {
      const [ours] = await both(t, [BOX, 'echo', 'hello', 'world'])
      t.equal(ours.stdout.toString(), 'hello world\n')
      t.equal(ours.code, 0)
      t.equal(ours.stderr.toString(), '')
    })

    t.test('arguments after COMMAND belong to it, flags included', async (t) => {
      const [ours] = await both(t, [BOX, 'sh', '-c', 'echo "$0 $1"', '--help', '-x'])
      t.equal(ours.stdout.toString(), '--help -x\n')
      t.equal(ours.code, 0)
    })

    t.test('repeated operands and a literal -- keep their order, through oclif too', async (t) => {
      const args = ['exec', '-H', host, BOX, 'echo', BOX, '--', BOX]
      for (const env of [{}, {HIJACK_NO_FAST_PATH: '1'}]) {
        const ours = await hijack(args, {env})
        t.equal(ours.stdout.toString(), `${BOX} -- ${BOX}\n`, JSON.stringify(env))
      }
    })

    t.test('stdout and stderr kept apart, exit 7', async (t) => {
      const [ours, theirs] = await both(t, [BOX, 'sh', '-c', 'echo out; echo err >&2; exit 7'])
      t.equal(ours.code, 7)
      t.equal(ours.stdout.toString(), 'out\n')
      t.equal(ours.stderr.toString(), 'err\n')
      t.equal(ours.stderr.toString(), theirs.stderr.toString())
    })

    t.test('missing binary', async (t) => {
      const [ours, theirs] = await both(t, [BOX, 'nosuchbinary'])
      t.match(ours.stdout.toString() + ours.stderr.toString(), /nosuchbinary/)
      if (name === 'podman') {
        // Podman 4.3: 127, and the runtime's error in stderr frames (dockerd 20.10: 126, on stdout). It
        // sometimes adds "Error: read unixpacket ...: connection reset by peer", to either client: a race in podman.
        t.equal(ours.code, 127)
        const firstLine = (b: Buffer): string => b.toString().split('\n')[0]
        t.match(firstLine(ours.stderr), /^Error: runc: exec failed: .*"nosuchbinary": executable file not found in \$PATH/)
        t.equal(firstLine(ours.stderr), firstLine(theirs.stderr))
        const rest = ours.stderr.toString().split('\n').slice(1).filter(Boolean)
        t.ok(rest.every((line) => /^Error: read unixpacket .*: connection reset by peer$/.test(line)), `nothing else: ${rest}`)
      } else {
        // runc's words on stdout; the mock says 127 as Engine >= 28 does, dockerd 20.10 126 (older engines: 126 for both).
        t.equal(ours.code, name === 'mock' ? 127 : 126)
        t.equal(ours.stdout.toString(), 'OCI runtime exec failed: exec failed: unable to start container process: exec: "nosuchbinary": executable file not found in $PATH: unknown\r\n')
        t.equal(ours.stderr.toString(), '')
        t.equal(ours.stderr.toString(), theirs.stderr.toString())
      }
    })

    t.test('32 MiB of random bytes through -i cat', async (t) => {
      const data = randomBytes(32 * 1024 * 1024)
      const [ours, theirs] = await both(t, ['-i', BOX, 'cat'], data)
      t.equal(ours.code, 0)
      t.equal(ours.stdout.length, data.length)
      t.equal(sha(ours.stdout), sha(data), 'every byte through, in order')
      t.equal(sha(theirs.stdout), sha(data))
    })

    t.test('stdin redirected from a file (read in large chunks): every byte, in order', async (t) => {
      const file = join(tempDir(t, 'hj-in-'), 'input')
      const data = randomBytes(5 * 1024 * 1024 + 123)
      await import('node:fs/promises').then((fs) => fs.writeFile(file, data))
      const r = await runCommand('bash', ['-o', 'pipefail', '-c', `${process.execPath} ${HIJACK_BIN} exec -i -H ${host} ${BOX} cat < ${file} | sha256sum`])
      t.equal(r.code, 0)
      t.equal(r.stdout.toString().split(' ')[0], sha(data))
    })

    t.test('a reader that is late still gets the tail: output is flushed before hijack exits', async (t) => {
      // Node writes to a pipe asynchronously. The reader below starts only after a second, so the pipe
      // (64 KiB) fills and the last 5000 bytes wait in our stdout: exiting without a flush lost them.
      const file = join(tempDir(t, 'hj-late-'), 'input')
      const data = randomBytes(64 * 1024 + 5000)
      await import('node:fs/promises').then((fs) => fs.writeFile(file, data))
      const r = await runCommand('bash', ['-o', 'pipefail', '-c', `${process.execPath} ${HIJACK_BIN} exec -i -H ${host} ${BOX} cat < ${file} | (sleep 1; cat) | sha256sum`])
      t.equal(r.code, 0, r.stderr.toString())
      t.equal(r.stdout.toString().split(' ')[0], sha(data), 'every byte, the last ones included')
    })

    t.test('-i with stdin closed early: the command sees EOF and its later output arrives', async (t) => {
      const [ours] = await both(t, ['-i', BOX, 'sh', '-c', 'cat >/dev/null; echo done'], 'some input\n')
      t.equal(ours.stdout.toString(), 'done\n')
      t.equal(ours.code, 0)
    })

    t.test('without -i the command gets EOF at once', async (t) => {
      const [ours] = await both(t, [BOX, 'sh', '-c', 'cat; echo after-eof'], 'ignored\n')
      t.equal(ours.stdout.toString(), 'after-eof\n')
      t.equal(ours.code, 0)
    })

    t.test('output EOF ends the session while stdin is still open (moby#12546)', async (t) => {
      const cli = startHijack(['exec', '-i', '-H', host, BOX, 'echo', 'bye'])
      cli.child.stdin.write('stdin stays open\n') // and is never ended
      const result = await cli.done
      t.equal(result.code, 0)
      if (name === 'podman' && result.stdout.length === 0) {
        // Podman 4.3 itself drops the output when the command exits before reading the stdin already sent
        // (its stdin copy to conmon fails and ends the attach); `docker exec` loses it the same way. The
        // daemon says so in the stream, and that text reaches the user: the loss is never silent.
        t.match(result.stderr.toString(), /^Error: read unixpacket .*: connection reset by peer\n$/)
      } else {
        t.equal(result.stdout.toString(), 'bye\n')
      }
    })

    t.test('our stdout closed by its reader: exit 141, no error text', async (t) => {
      const r = await runCommand('bash', ['-c',
        `${process.execPath} ${HIJACK_BIN} exec -H ${host} ${BOX} yes | head -n 2; echo "rc=\${PIPESTATUS[0]}"`])
      t.equal(r.stdout.toString(), 'y\ny\nrc=141\n')
      t.equal(r.stderr.toString(), '')
    })

    t.test('stdout closed while the last output waits to be flushed: exit 141, no crash', async (t) => {
      // The session is over (the command exited 4); our exit waits for the queued tail, and the
      // reader goes away meanwhile. That EPIPE must not be an uncaught error (exit 1 and a stack trace).
      const r = await runCommand('bash', ['-c',
        `${process.execPath} ${HIJACK_BIN} exec -H ${host} ${BOX} sh -c 'head -c 70000 /dev/zero; exit 4' 2>&1 | sleep 1.5; echo "rc=\${PIPESTATUS[0]}"`])
      t.equal(r.stdout.toString(), 'rc=141\n')
      t.equal(r.stderr.toString(), '')
    })

    t.test('-e, --env-file, -w, -u', async (t) => {
      const dir = tempDir(t, 'hj-envf-')
      const envFile = join(dir, 'env')
      await import('node:fs/promises').then((fs) => fs.writeFile(envFile, 'FROMFILE=f\n# comment\n'))
      const [ours] = await both(t, ['-e', 'A=1', '--env-file', envFile, '-w', '/tmp', '-u', 'nobody', BOX,
        'sh', '-c', 'echo "$A|$FROMFILE|$(pwd)|$(id -un 2>/dev/null || id -u)"'])
      t.equal(ours.code, 0)
      const [a, f, pwd, user] = ours.stdout.toString().trim().split('|')
      t.equal(a, '1')
      t.equal(f, 'f')
      t.equal(pwd, '/tmp')
      t.equal(user, MOCK_SWITCHES_USERS || name !== 'mock' ? 'nobody' : userInfo().username, 'the command runs as the -u user')
    })

    t.test('-u forms: name, uid, uid:gid, as dockerd runs them; HOME from the passwd entry', async (t) => {
      // Numbers, not names: the mock's commands are the host's (another `id`, another /etc/group).
      const show = ['sh', '-c', 'echo "$(id -u) $(id -g) $(id -G) $HOME"']
      const cases: Array<[string, string]> = [['nobody', '65534 65534 65534 /nonexistent\n'], ['1234', '1234 0 0 /\n'], ['1234:5678', '1234 5678 5678 /\n']]
      for (const [user, expected] of cases) {
        const [ours] = await both(t, ['-u', user, BOX, ...show])
        t.equal(ours.code, 0)
        if (name === 'podman') continue // held to docker exec's output only (values checked on dockerd 20.10)
        if (name === 'mock' && !MOCK_SWITCHES_USERS) t.match(ours.stdout.toString(), / \/nonexistent\n$| \/\n$/, `-u ${user}: the daemon's own ids, HOME from passwd`)
        else t.equal(ours.stdout.toString(), expected, `-u ${user}`)
      }
    })

    t.test('-u with an unknown user or group: the daemon\'s error in the stream, exit 126', async (t) => {
      for (const [user, message] of [
        ['nosuchuser', 'unable to find user nosuchuser: no matching entries in passwd file'],
        ['0:nosuchgroup', 'unable to find group nosuchgroup: no matching entries in group file'],
      ]) {
        const [ours, theirs] = await both(t, ['-u', user, BOX, 'true'])
        if (name === 'podman') {
          // Podman refuses the start itself: a 500 with its message instead of the 101. docker exec drops
          // the message ("unable to upgrade to tcp, received 500"); hijack prints it, as any daemon error.
          t.equal(theirs.stderr.toString(), 'unable to upgrade to tcp, received 500\n', `-u ${user}: docker exec loses podman's words`)
          t.equal(ours.stderr.toString(), `Error response from daemon: ${message}\n`, `-u ${user}: hijack gives them`)
          t.equal(ours.code, theirs.code, `-u ${user}: the same exit code as docker exec`)
          continue
        }
        t.equal(ours.stderr.toString(), theirs.stderr.toString(), `-u ${user}: same stderr as docker exec`)
        t.equal(ours.code, 126, `-u ${user}`)
        t.equal(ours.stdout.toString(), `${message}\r\n`, `-u ${user}: dockerd 20.10 writes it on stdout`)
        t.equal(ours.stderr.toString(), '')
      }
    })

    t.test('unknown container', async (t) => {
      const ours = await hijack(['exec', '-H', host, 'nosuchcontainer', 'true'])
      const theirs = await dockerCli(host, ['exec', 'nosuchcontainer', 'true'])
      t.equal(ours.code, 1)
      t.equal(theirs.code, 1)
      // Both CLIs print the daemon's own words, and podman's differ.
      const expected = name === 'podman'
        ? 'Error response from daemon: no container with name or ID "nosuchcontainer" found: no such container\n'
        : 'Error response from daemon: No such container: nosuchcontainer\n'
      t.equal(ours.stderr.toString(), expected)
      t.match(theirs.stderr.toString(), expected.trim())
    })

    t.test('-d runs in the background and exits 0', async (t) => {
      const file = `/tmp/hj-detached-${process.pid}-${Date.now()}`
      const ours = await hijack(['exec', '-H', host, '-d', BOX, 'sh', '-c', `echo ran > ${file}`])
      t.equal(ours.code, 0)
      t.equal(ours.stdout.length, 0)
      let seen = ''
      for (let i = 0; i < 50 && seen !== 'ran\n'; i++) {
        seen = (await hijack(['exec', '-H', host, BOX, 'sh', '-c', `cat ${file} 2>/dev/null; rm -f ${file}.x`])).stdout.toString()
        if (seen !== 'ran\n') await new Promise((r) => setTimeout(r, 100))
      }
      t.equal(seen, 'ran\n', 'the detached command ran')
      await hijack(['exec', '-H', host, BOX, 'rm', '-f', file])
    })
  })
}

t.test('unreachable daemon: Docker\'s words, exit 1', async (t) => {
  const host = `unix://${join(tempDir(t, 'hj-none-'), 'nothing.sock')}`
  const ours = await hijack(['exec', '-H', host, 'c', 'true'])
  const theirs = await dockerCli(host, ['exec', 'c', 'true'])
  t.equal(ours.code, 1)
  t.equal(theirs.code, 1)
  t.equal(ours.stderr.toString(), `Cannot connect to the Docker daemon at ${host}. Is the docker daemon running?\n`)
  t.match(theirs.stderr.toString(), `Cannot connect to the Docker daemon at ${host}`)
})

t.test('exec over tcp:// (loopback mock daemon): stdin, output and exit status come through; Host names the daemon', async (t) => {
  const {startMockDaemon} = await import('../../src/mock-daemon/index.js')
  const daemon = await startMockDaemon({
    listen: 'tcp://127.0.0.1:0',
    config: {containers: [{name: BOX, runtime: 'builtin', cmd: ['sleep', '3600'], openStdin: true}]},
  })
  t.teardown(() => daemon.close())
  // A loopback relay in front of the daemon sees each connection's first bytes as the client sent them.
  const hosts: string[] = []
  // Half-open on both legs, as a TCP proxy must be: the client's half-close (end of stdin) is passed
  // on, and the output keeps flowing back until the daemon ends it. Without allowHalfOpen Node ends
  // the relay's side toward the client as soon as stdin ends, and cat's output is dropped (or not, by timing).
  const relay = net.createServer({allowHalfOpen: true}, (client) => {
    const upstream = net.connect({host: '127.0.0.1', port: daemon.port!, allowHalfOpen: true})
    client.once('data', (chunk: Buffer) => hosts.push(/\r\nHost: ([^\r]*)\r\n/i.exec(chunk.toString('latin1'))?.[1] ?? '?'))
    client.pipe(upstream).pipe(client)
    client.on('error', () => upstream.destroy())
    upstream.on('error', () => client.destroy())
  })
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve))
  t.teardown(() => relay.close())
  const port = (relay.address() as net.AddressInfo).port
  const r = await hijack(['exec', '-i', '-H', `tcp://127.0.0.1:${port}`, BOX, 'cat'], {input: 'over tcp\n'})
  t.equal(r.stdout.toString(), 'over tcp\n')
  t.equal(r.code, 0)
  t.equal(r.stderr.toString(), '')
  t.ok(hosts.length >= 3, `${hosts.length} connections`)
  t.same([...new Set(hosts)], [`127.0.0.1:${port}`])
})
