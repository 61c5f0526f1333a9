// Endpoints for the bench's TLS and ssh rows: openssl-made certificates for a --tlsverify listener on
// 127.0.0.1 (given to scripts/dockerd.sh), and a private sshd on 127.0.0.1 whose sessions reach the
// bench's dockerd. The same set-up as test/helpers/tls-certs.ts and sshd.ts, in plain JS for the bench.
import {execFileSync, spawn} from 'node:child_process'
import {chmodSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import net from 'node:net'
import {join} from 'node:path'

export async function freePort() {
  const server = net.createServer()
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  const {port} = server.address()
  await new Promise((resolve) => server.close(resolve))
  return port
}

/** CA, server cert for IP 127.0.0.1 and a client cert in `dir` (names as scripts/dockerd.sh expects). */
export function makeCerts(dir) {
  mkdirSync(dir, {recursive: true})
  const ssl = (...args) => execFileSync('openssl', args, {cwd: dir, stdio: ['ignore', 'ignore', 'pipe']})
  ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca-key.pem', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=bench CA')
  for (const [name, ext] of [['server', 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n'], ['client', 'extendedKeyUsage=clientAuth\n']]) {
    ssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}-key.pem`, '-out', `${name}.csr`, '-subj', `/CN=${name}`)
    writeFileSync(join(dir, `${name}.ext`), ext)
    ssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca-key.pem', '-CAcreateserial', '-days', '2', '-out', `${name}-cert.pem`, '-extfile', `${name}.ext`)
  }
  return {dir, ca: join(dir, 'ca.pem'), cert: join(dir, 'client-cert.pem'), key: join(dir, 'client-key.pem')}
}

/**
 * sshd on 127.0.0.1 with its own keys; clients find an `ssh` wrapper first in PATH that adds the test
 * config (key, known_hosts), so ~/.ssh is never touched. Returns {url, env, logins(), stop()}.
 */
export async function startSshd(dir, dockerHost) {
  mkdirSync(dir, {recursive: true})
  const keygen = (file) => execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, file)])
  keygen('host_key')
  keygen('user_key')
  writeFileSync(join(dir, 'authorized_keys'), readFileSync(join(dir, 'user_key.pub')))
  const port = await freePort()
  writeFileSync(join(dir, 'sshd_config'), [
    `Port ${port}`, 'ListenAddress 127.0.0.1', `HostKey ${join(dir, 'host_key')}`, `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
    'StrictModes no', 'PasswordAuthentication no', 'KbdInteractiveAuthentication no', 'UsePAM no', 'UseDNS no',
    'PermitRootLogin prohibit-password', 'MaxSessions 64', `PidFile ${join(dir, 'sshd.pid')}`,
    `SetEnv DOCKER_HOST=${dockerHost} DOCKER_CLI_HINTS=false`, '',
  ].join('\n'))
  const hostKey = readFileSync(join(dir, 'host_key.pub'), 'utf8').split(' ').slice(0, 2).join(' ')
  writeFileSync(join(dir, 'known_hosts'), `[127.0.0.1]:${port} ${hostKey}\n`)
  writeFileSync(join(dir, 'ssh_config'), ['Host 127.0.0.1', `  IdentityFile ${join(dir, 'user_key')}`, '  IdentitiesOnly yes',
    '  IdentityAgent none', `  UserKnownHostsFile ${join(dir, 'known_hosts')}`, '  StrictHostKeyChecking yes', '  BatchMode yes',
    '  GSSAPIAuthentication no', ''].join('\n'))
  mkdirSync(join(dir, 'bin'))
  writeFileSync(join(dir, 'bin', 'ssh'), `#!/bin/sh\nexec /usr/bin/ssh -F ${join(dir, 'ssh_config')} "$@"\n`)
  chmodSync(join(dir, 'bin', 'ssh'), 0o755)
  mkdirSync('/run/sshd', {recursive: true})
  const sshd = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', join(dir, 'sshd_config')], {stdio: ['ignore', 'ignore', 'pipe']})
  let log = ''
  sshd.stderr.on('data', (c) => { log += c })
  const deadline = Date.now() + 20_000
  while (!/Server listening/.test(log)) {
    if (sshd.exitCode !== null || Date.now() > deadline) throw new Error(`sshd did not start: ${log}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  return {
    url: `ssh://root@127.0.0.1:${port}`,
    env: {PATH: `${join(dir, 'bin')}:${process.env.PATH}`},
    logins: () => (log.match(/Accepted publickey/g) ?? []).length,
    stop: () => { if (sshd.exitCode === null) sshd.kill('SIGTERM') },
  }
}
