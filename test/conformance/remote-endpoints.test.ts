// exec and attach over TLS and ssh against a real dockerd, side by side with the Docker CLI on the same
// endpoint: a dockerd with a --tlsverify listener on 127.0.0.1 (openssl-made certificates), and a private
// sshd on 127.0.0.1 whose sessions reach that dockerd. Then each TLS and ssh failure in plain words,
// and no ssh process left behind.
import {createHash, randomBytes} from 'node:crypto'
import {mkdirSync, readdirSync, readFileSync} from 'node:fs'
import http from 'node:http'
import {join} from 'node:path'
import tls from 'node:tls'
import t, {type Test} from 'tap'
import {hijack, runCommand, startCli, HIJACK_BIN, type CliResult} from '../helpers/cli.js'
import {startRealDockerd} from '../helpers/real-dockerd.js'
import {freePort, startSshd} from '../helpers/sshd.js'
import {tempDir} from '../helpers/temp.js'
import {makeTestCerts} from '../helpers/tls-certs.js'

// ssh handshakes and a second daemon are slow on a loaded machine; each step still has its own bound.
t.setTimeout(1_800_000)

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex')
const dir = tempDir(t, 'hj-remote-')
mkdirSync(join(dir, 'certs'))
const certs = makeTestCerts(join(dir, 'certs'))
const tlsPort = await freePort()
const dockerd = await startRealDockerd(t, {tls: {port: tlsPort, dir: certs.dir}})
if (!dockerd) t.end()
else {
  await dockerd.run('box', {cmd: ['sleep', '1000000'], openStdin: true})
  mkdirSync(join(dir, 'ssh'))
  const sshd = await startSshd(t, join(dir, 'ssh'), dockerd.host)
  // A server that refuses forwards: hijack keeps Docker's way (a dial-stdio session per connection).
  mkdirSync(join(dir, 'ssh-noforward'))
  const sshdNoForward = await startSshd(t, join(dir, 'ssh-noforward'), dockerd.host, {forwarding: false})
  const tlsHost = `tcp://127.0.0.1:${tlsPort}`
  const tlsFlags = ['--tlsverify', '--tlscacert', certs.ca, '--tlscert', certs.clientCert, '--tlskey', certs.clientKey]

  interface Transport {
    name: string
    /** For container names. */
    id: string
    /** Global flags for both CLIs. */
    flags: string[]
    env: NodeJS.ProcessEnv
  }
  const transports: Transport[] = [{name: 'TLS', id: 'tls', flags: ['-H', tlsHost, ...tlsFlags], env: {}}]
  if (sshd) {
    transports.push({name: 'ssh', id: 'ssh', flags: ['-H', sshd.url], env: sshd.env})
    // The socket named in the URL: docker runs `docker --host=unix://<path> system dial-stdio`; hijack
    // forwards to it without asking the remote docker first.
    transports.push({name: 'ssh with the socket in the URL', id: 'ssh-path', flags: ['-H', `${sshd.url}${new URL(dockerd.host).pathname}`], env: sshd.env})
  }
  if (sshdNoForward) transports.push({name: 'ssh to a server that refuses forwards', id: 'ssh-noforward', flags: ['-H', sshdNoForward.url], env: sshdNoForward.env})

  for (const transport of transports) {
    t.test(`exec over ${transport.name}, side by side with docker`, async (t) => {
      const both = async (t: Test, args: string[], input?: Buffer | string): Promise<[CliResult, CliResult]> => {
        const ours = await hijack([...transport.flags, ...args], {input, env: transport.env})
        const theirs = await runCommand('docker', [...transport.flags, ...args], {input, env: transport.env})
        t.equal(ours.code, theirs.code, `same exit code as docker (ours: ${ours.stderr}; docker: ${theirs.stderr})`)
        t.equal(sha(ours.stdout), sha(theirs.stdout), 'same stdout as docker')
        return [ours, theirs]
      }

      t.test('echo; stdout and stderr apart; exit 7', async (t) => {
        const [ours] = await both(t, ['exec', 'box', 'sh', '-c', 'echo out; echo err >&2; exit 7'])
        t.equal(ours.stdout.toString(), 'out\n')
        t.equal(ours.stderr.toString(), 'err\n')
        t.equal(ours.code, 7)
      })

      t.test('8 MiB of random bytes through -i cat', async (t) => {
        const data = randomBytes(8 * 1024 * 1024)
        const [ours] = await both(t, ['exec', '-i', 'box', 'cat'], data)
        t.equal(ours.stdout.length, data.length)
        t.equal(sha(ours.stdout), sha(data), 'every byte, in order')
      })

      t.test('half-close: stdin EOF reaches the process and the output after it still arrives (moby#8658)', async (t) => {
        const [ours] = await both(t, ['exec', '-i', 'box', 'sh', '-c', 'cat; echo after-eof; sleep 0.5; echo tail'], 'a\nb\n')
        t.equal(ours.stdout.toString(), 'a\nb\nafter-eof\ntail\n')
      })

      t.test('missing binary and unknown container: the same codes', async (t) => {
        const [missing] = await both(t, ['exec', 'box', 'no-such-binary'])
        t.ok(missing.code === 126 || missing.code === 127)
        const [unknown] = await both(t, ['exec', 'nosuchcontainer', 'true'])
        t.equal(unknown.code, 1)
        t.match(unknown.stderr.toString(), /No such container: nosuchcontainer/)
      })
    })

    t.test(`attach over ${transport.name}`, async (t) => {
      const name = `once-${transport.id}`
      await dockerd.run(name, {cmd: ['sh', '-c', 'cat; echo done'], openStdin: true, stdinOnce: true})
      const r = await hijack([...transport.flags, 'attach', name], {input: 'hello\n', env: transport.env})
      t.equal(r.code, 0, r.stderr.toString())
      t.equal(r.stdout.toString(), 'hello\ndone\n')
    })
  }

  t.test('TLS failures in plain words (exit 1, like docker)', async (t) => {
    const fails = async (args: string[], pattern: RegExp, what: string): Promise<void> => {
      const ours = await hijack([...args, 'exec', 'box', 'true'])
      const theirs = await runCommand('docker', [...args, 'exec', 'box', 'true'])
      t.equal(ours.code, 1, `${what}: exit 1`)
      t.not(theirs.code, 0, `${what}: docker fails too`)
      t.match(ours.stderr.toString(), pattern, what)
      t.equal(ours.stderr.toString().trim().split('\n').length, 1, `${what}: one line`)
    }
    await fails(['-H', tlsHost, '--tlsverify', '--tlscacert', certs.otherCa, '--tlscert', certs.clientCert, '--tlskey', certs.clientKey],
      /certificate signed by an unknown authority/, 'unknown CA')
    await fails(['-H', tlsHost], /speaks TLS: use --tlsverify/, 'plain HTTP to a TLS port')
    await fails(['-H', tlsHost, '--tlsverify', '--tlscacert', certs.ca], /refused our client certificate \(or we sent none\)/, 'no client certificate')
    await fails(['-H', tlsHost, '--tlsverify', '--tlscacert', join(dir, 'nope.pem')], /could not read the CA certificate ".*nope\.pem": no such file/,
      'missing CA file')
    await fails(['-H', tlsHost, '--tlsverify', '--tlscacert', certs.ca, '--tlscert', certs.clientCert, '--tlskey', join(dir, 'nokey.pem')],
      /could not read the client key ".*nokey\.pem"/, 'missing key file')

    // A TLS server on 127.0.0.1 whose certificate names another host.
    const wrongName = tls.createServer({cert: readFileSync(certs.wrongNameCert), key: readFileSync(certs.wrongNameKey)}, (s) => s.destroy())
    await new Promise<void>((resolve) => wrongName.listen(0, '127.0.0.1', resolve))
    t.teardown(() => wrongName.close())
    const wrongPort = (wrongName.address() as {port: number}).port
    await fails(['-H', `tcp://127.0.0.1:${wrongPort}`, '--tlsverify', '--tlscacert', certs.ca], /certificate that is not valid for "127\.0\.0\.1"/,
      'wrong host name')

    // TLS to a plain HTTP port.
    const plain = http.createServer((_req, res) => res.end('{}'))
    await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve))
    t.teardown(() => plain.close())
    const plainPort = (plain.address() as {port: number}).port
    await fails(['-H', `tcp://127.0.0.1:${plainPort}`, '--tlsverify', '--tlscacert', certs.ca], /does not speak TLS/, 'TLS to a plain port')
  })

  t.test('DOCKER_TLS_VERIFY and DOCKER_CERT_PATH reach the TLS daemon as docker does', async (t) => {
    const certPath = join(dir, 'certpath')
    mkdirSync(certPath)
    const {copyFileSync} = await import('node:fs')
    copyFileSync(certs.ca, join(certPath, 'ca.pem'))
    copyFileSync(certs.clientCert, join(certPath, 'cert.pem'))
    copyFileSync(certs.clientKey, join(certPath, 'key.pem'))
    const env = {DOCKER_HOST: tlsHost, DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: certPath}
    const ours = await hijack(['exec', 'box', 'echo', 'env-tls'], {env})
    const theirs = await runCommand('docker', ['exec', 'box', 'echo', 'env-tls'], {env})
    t.equal(ours.stdout.toString(), 'env-tls\n', ours.stderr.toString())
    t.equal(theirs.stdout.toString(), 'env-tls\n')
  })

  t.test('ssh: one handshake per run, no more dial-stdio than docker, clear failures, nothing left running', {skip: !sshd}, async (t) => {
    if (!sshd) return
    const before = [sshd.logins(), sshd.dialStdios()]
    const forwardRunsBefore = sshd.forwardRuns()
    const inputBefore = sshd.dialStdioInput()
    const ours = await hijack(['-H', sshd.url, 'exec', 'box', 'true'], {env: sshd.env})
    t.equal(ours.code, 0, ours.stderr.toString())
    const mine = [sshd.logins() - before[0], sshd.dialStdios() - before[1]]
    t.equal(sshd.forwardRuns() - forwardRunsBefore, 0, 'the forward was asked for over the control socket: no `ssh -O forward` process')
    t.equal(sshd.dialStdioInput() - inputBefore, 0, 'every call went through the forward, the first ones too: none through the master\'s dial-stdio')
    const theirs = await runCommand('docker', ['-H', sshd.url, 'exec', 'box', 'true'], {env: sshd.env})
    t.equal(theirs.code, 0)
    const docker = [sshd.logins() - before[0] - mine[0], sshd.dialStdios() - before[1] - mine[1]]
    t.ok(sshd.dialStdioInput() > inputBefore, 'docker\'s requests went through dial-stdio (the byte count sees them)')
    t.comment(`one exec: hijack ${mine[0]} ssh logins and ${mine[1]} dial-stdio; docker ${docker[0]} and ${docker[1]}`)
    t.equal(mine[0], 1, 'one ssh handshake for the whole run')
    t.ok(mine[1] <= docker[1], 'no more remote dial-stdio processes than docker starts')
    t.equal(mine[1], 1, 'one dial-stdio: the hijack went over a channel forwarded by the master')
    if (sshdNoForward) {
      const before = [sshdNoForward.logins(), sshdNoForward.dialStdios()]
      const refused = await hijack(['-H', sshdNoForward.url, 'exec', 'box', 'true'], {env: sshdNoForward.env})
      t.equal(refused.code, 0, refused.stderr.toString())
      const counts = [sshdNoForward.logins() - before[0], sshdNoForward.dialStdios() - before[1]]
      t.comment(`one exec where forwards are refused: ${counts[0]} ssh logins and ${counts[1]} dial-stdio`)
      t.same(counts, [1, 2], 'forward refused: one handshake, a dial-stdio session per connection as docker')
    }

    // The socket named in the URL: the master runs no remote command (-N), so neither a remote shell nor
    // a remote docker is needed; where forwards are refused, dial-stdio sessions over the master instead.
    {
      const socketPath = new URL(dockerd.host).pathname
      const before = [sshd.logins(), sshd.remoteDockerRuns()]
      const ours = await hijack(['-H', `${sshd.url}${socketPath}`, 'exec', 'box', 'sh', '-c', 'echo by-path; exit 4'], {env: sshd.env})
      t.same([ours.code, ours.stdout.toString()], [4, 'by-path\n'], `socket in the URL: the exec runs (${ours.stderr})`)
      t.same([sshd.logins() - before[0], sshd.remoteDockerRuns() - before[1]], [1, 0], 'socket in the URL: one login, no remote docker at all')
      if (sshdNoForward) {
        const refused = await hijack(['-H', `${sshdNoForward.url}${socketPath}`, 'exec', 'box', 'sh', '-c', 'echo by-path; exit 4'], {env: sshdNoForward.env})
        t.same([refused.code, refused.stdout.toString()], [4, 'by-path\n'], `socket in the URL, forwards refused: dial-stdio sessions (${refused.stderr})`)
        // `version` goes through oclif, whose end is the event loop's: the -N master must not hold it.
        const version = await hijack(['-H', `${sshdNoForward.url}${socketPath}`, 'version', '--format', 'json'], {env: sshdNoForward.env})
        t.equal(version.code, 0, `socket in the URL, forwards refused: version ends (${version.stderr})`)
      }
    }

    // A fixed API version skips the ping: no spare is dialed, and the first call waits for the forward alone.
    const fixed = await hijack(['-H', sshd.url, 'exec', 'box', 'sh', '-c', 'echo fixed; exit 3'], {env: {...sshd.env, DOCKER_API_VERSION: '1.41'}})
    t.same([fixed.code, fixed.stdout.toString()], [3, 'fixed\n'], `DOCKER_API_VERSION set: the exec runs (${fixed.stderr})`)

    const connectionsBefore = sshd.connections()
    const runsBefore = sshd.wrongKeySshRuns()
    const wrongKey = await hijack(['-H', sshd.url, 'exec', 'box', 'true'], {env: sshd.wrongKeyEnv})
    t.equal(wrongKey.code, 1)
    t.match(wrongKey.stderr.toString(), /exited with status 255: .*Permission denied \(publickey\)/, 'a wrong key: ssh\'s own words')
    await new Promise((resolve) => setTimeout(resolve, 500)) // sshd's log catches up
    t.equal(sshd.connections() - connectionsBefore, 1, 'a failed login is not tried a second time')
    t.equal(sshd.wrongKeySshRuns() - runsBefore, 1, 'one ssh started: none after the master failed')
    const deadPort = await freePort()
    const dead = await hijack(['-H', `ssh://root@127.0.0.1:${deadPort}`, 'exec', 'box', 'true'], {env: sshd.env})
    t.equal(dead.code, 1)
    t.match(dead.stderr.toString(), new RegExp(`port ${deadPort}: Connection refused`), 'a dead port: ssh\'s own words')

    // The master dies mid-session (a dropped connection): the forwarded stream's end looks clean, but the
    // run must not take it for the command's end; it reports ssh's failure, with the output that came.
    {
      const run = startCli(HIJACK_BIN, ['-H', sshd.url, 'exec', 'box', 'sh', '-c', 'echo started; sleep 30; echo late'], {env: sshd.env})
      await run.waitForOutput(/started/, 60_000)
      const [master] = sshChildren(run.child.pid!)
      t.ok(master, 'the run\'s ssh master is running')
      if (master) process.kill(master, 'SIGKILL')
      const result = await run.done
      t.equal(result.code, 1, 'exit 1')
      t.equal(result.stdout.toString(), 'started\n', 'the output that came is kept')
      t.match(result.stderr.toString(), /ssh ssh:\/\/root@127\.0\.0\.1:\d+/, 'ssh is named as the failure')
      t.notMatch(result.stderr.toString(), /exit code unknown/, 'not taken for the command\'s end')
    }

    // Every ssh process a run starts is gone after it ends: normally, and when killed mid-session by
    // SIGTERM or by SIGKILL (no handler runs: the ssh's own watchdog must end it; the remote command
    // sleeps 30 s so its end cannot be what ends ssh).
    for (const how of ['exit', 'SIGTERM', 'SIGKILL'] as const) {
      const script = how === 'SIGKILL' ? 'echo started; sleep 30' : 'echo started; sleep 3'
      // A TMPDIR of the run's own, to see its control directory go.
      const runTmp = join(dir, `tmp-${how}`)
      mkdirSync(runTmp)
      const run = startCli(HIJACK_BIN, ['-H', sshd.url, 'exec', 'box', 'sh', '-c', script], {env: {...sshd.env, TMPDIR: runTmp}})
      const pids = new Set<number>()
      const watch = setInterval(() => {
        for (const pid of sshChildren(run.child.pid!)) pids.add(pid)
      }, 20)
      await run.waitForOutput(/started/, 60_000)
      for (const pid of sshChildren(run.child.pid!)) pids.add(pid)
      if (how !== 'exit') run.child.kill(how)
      const result = await run.done
      clearInterval(watch)
      t.ok(pids.size >= 1, `${how}: saw the run's ssh processes (${[...pids].join(', ')})`)
      t.equal(how === 'exit' ? result.code : result.signal, how === 'exit' ? 0 : how, `${how}: ended as expected`)
      // A hang guard, not a speed check: the sleep in the container would end ssh only after 30 s.
      const deadline = Date.now() + 10_000
      while ([...pids].some(isSsh) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50))
      t.same([...pids].filter(isSsh), [], `${how}: no ssh process survives`)
      // SIGKILL runs no handler: that directory is left behind (the README says so).
      if (how !== 'SIGKILL') t.same(readdirSync(runTmp), [], `${how}: the control directory is removed`)
    }
  })
}

/** A process's state letter and parent pid, or undefined when it is gone. */
function procStat(pid: number | string): {comm: string; state: string; ppid: number} | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const close = stat.lastIndexOf(')')
    const [state, ppid] = stat.slice(close + 2).split(' ')
    return {comm: stat.slice(stat.indexOf('(') + 1, close), state, ppid: Number(ppid)}
  } catch {
    return undefined
  }
}

/** Live ssh processes whose parent is `pid`. */
function sshChildren(pid: number): number[] {
  return readdirSync('/proc').filter((entry) => /^\d+$/.test(entry)).filter((entry) => {
    const stat = procStat(entry)
    return stat?.comm === 'ssh' && stat.ppid === pid
  }).map(Number)
}

/** Whether `pid` is still a running (not zombie) ssh process. */
function isSsh(pid: number): boolean {
  const stat = procStat(pid)
  return stat?.comm === 'ssh' && stat.state !== 'Z'
}
