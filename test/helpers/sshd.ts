// A private OpenSSH server on 127.0.0.1 for ssh:// tests: its own host key, config and authorized key;
// sessions see the test dockerd through `SetEnv DOCKER_HOST=...`, and the remote `docker` is a wrapper
// that logs each `docker system dial-stdio` it runs. Clients (hijack and the Docker CLI alike) find
// `ssh` first in a PATH directory whose wrapper adds `-F <test config>` (key, known_hosts, no GSSAPI),
// so nothing is read from or written to ~/.ssh.
import {execFileSync, spawn} from 'node:child_process'
import {chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync} from 'node:fs'
import net from 'node:net'
import {join} from 'node:path'
import type {TapLike} from './real-dockerd.js'

export interface TestSshd {
  /** ssh://root@127.0.0.1:PORT */
  url: string
  port: number
  /** Environment for clients: PATH with the ssh wrapper first. */
  env: NodeJS.ProcessEnv
  /** Environment whose ssh offers a key the server does not know. */
  wrongKeyEnv: NodeJS.ProcessEnv
  /** Completed publickey logins so far. */
  logins(): number
  /** TCP connections sshd accepted so far (failed logins included). */
  connections(): number
  /** `ssh` commands started so far through the wrong-key environment's wrapper. */
  wrongKeySshRuns(): number
  /** `docker system dial-stdio` processes started on the "remote" side so far. */
  dialStdios(): number
  /** `ssh -O forward` commands started so far through the (good key's) wrapper. */
  forwardRuns(): number
  /** Every `docker` command run on the "remote" side so far (dial-stdio, context inspect, ...). */
  remoteDockerRuns(): number
  /** Bytes written so far to remote `docker system dial-stdio` processes (requests sent that way). */
  dialStdioInput(): number
}

export async function freePort(): Promise<number> {
  const server = net.createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const {port} = server.address() as net.AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}

function sshWrapper(dir: string, name: string, config: string): string {
  const bin = join(dir, name)
  mkdirSync(bin)
  writeFileSync(join(bin, 'ssh'), `#!/bin/sh\necho "$*" >> ${join(bin, 'runs.log')}\nexec /usr/bin/ssh -F ${config} "$@"\n`)
  chmodSync(join(bin, 'ssh'), 0o755)
  return bin
}

/**
 * Starts sshd (stopped by pid in t's teardown); undefined when it cannot (a failure under CI=true).
 * `forwarding: false` refuses forwards to unix sockets, as some servers do.
 */
export async function startSshd(t: TapLike, dir: string, dockerHost: string, {forwarding = true} = {}): Promise<TestSshd | undefined> {
  if (!existsSync('/usr/sbin/sshd') || !existsSync('/usr/bin/ssh')) {
    if (process.env.CI === 'true') t.fail('openssh-server/openssh-client missing', {})
    else t.comment('SKIP: no /usr/sbin/sshd')
    return undefined
  }
  const keygen = (file: string): void => execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', file])
  keygen(join(dir, 'host_key'))
  keygen(join(dir, 'user_key'))
  keygen(join(dir, 'wrong_key'))
  writeFileSync(join(dir, 'authorized_keys'), readFileSync(join(dir, 'user_key.pub')))
  const remoteBin = join(dir, 'remote-bin')
  mkdirSync(remoteBin)
  // dial-stdio's input passes through tee, so a test can tell whether any request went that way.
  writeFileSync(join(remoteBin, 'docker'), [
    '#!/bin/sh',
    `echo "$*" >> ${join(dir, 'dial-stdio.log')}`,
    `case "$*" in *"system dial-stdio"*) tee -a ${join(dir, 'dial-stdio.in')} | /usr/bin/docker "$@"; exit $? ;; esac`,
    'exec /usr/bin/docker "$@"',
    '',
  ].join('\n'))
  chmodSync(join(remoteBin, 'docker'), 0o755)
  const port = await freePort()
  const log = join(dir, 'sshd.log')
  writeFileSync(join(dir, 'sshd_config'), [
    `Port ${port}`, 'ListenAddress 127.0.0.1', `HostKey ${join(dir, 'host_key')}`, `PidFile ${join(dir, 'sshd.pid')}`,
    `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`, 'StrictModes no', 'PasswordAuthentication no',
    'KbdInteractiveAuthentication no', 'UsePAM no', 'PermitRootLogin prohibit-password', 'UseDNS no', 'MaxSessions 64',
    'LogLevel VERBOSE', `AllowStreamLocalForwarding ${forwarding ? 'yes' : 'no'}`, `SetEnv DOCKER_HOST=${dockerHost} PATH=${remoteBin}:/usr/bin:/bin DOCKER_CLI_HINTS=false`, '',
  ].join('\n'))
  const hostKey = readFileSync(join(dir, 'host_key.pub'), 'utf8').split(' ').slice(0, 2).join(' ')
  writeFileSync(join(dir, 'known_hosts'), `[127.0.0.1]:${port} ${hostKey}\n`)
  const clientConfig = (key: string): string => {
    const file = join(dir, `ssh_config_${key}`)
    writeFileSync(file, ['Host 127.0.0.1', `  IdentityFile ${join(dir, key)}`, '  IdentitiesOnly yes', '  IdentityAgent none',
      `  UserKnownHostsFile ${join(dir, 'known_hosts')}`, '  StrictHostKeyChecking yes', '  BatchMode yes',
      '  GSSAPIAuthentication no', '  CheckHostIP no', ''].join('\n'))
    return file
  }
  const good = sshWrapper(dir, 'bin', clientConfig('user_key'))
  const wrong = sshWrapper(dir, 'wrong-bin', clientConfig('wrong_key'))
  mkdirSync('/run/sshd', {recursive: true}) // privilege separation directory
  const sshd = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', join(dir, 'sshd_config')], {stdio: ['ignore', 'ignore', 'pipe']})
  let output = ''
  sshd.stderr.on('data', (chunk: Buffer) => {
    output += chunk.toString()
    writeFileSync(log, output)
  })
  t.teardown(() => {
    if (sshd.exitCode === null) sshd.kill('SIGTERM')
  })
  // A test process killed before its teardown (a tap timeout) must not leave sshd running: a detached
  // watchdog stops it once this process is gone, and quits by itself once sshd is.
  spawn('sh', ['-c', 'while kill -0 "$1" 2>/dev/null && kill -0 "$2" 2>/dev/null; do sleep 1; done; kill "$2" 2>/dev/null; exit 0',
    'hj-sshd-watchdog', String(process.pid), String(sshd.pid)], {detached: true, stdio: 'ignore'}).unref()
  const deadline = Date.now() + 20_000
  while (!/Server listening on 127\.0\.0\.1 port/.test(output)) {
    if (sshd.exitCode !== null || Date.now() > deadline) {
      t.fail(`sshd did not start: ${output}`, {})
      return undefined
    }
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  const withPath = (bin: string): NodeJS.ProcessEnv => ({PATH: `${bin}:${process.env.PATH ?? '/usr/bin:/bin'}`})
  const count = (file: string, pattern: RegExp): number => {
    try {
      return readFileSync(file, 'utf8').split('\n').filter((line) => pattern.test(line)).length
    } catch {
      return 0
    }
  }
  return {
    url: `ssh://root@127.0.0.1:${port}`,
    port,
    env: withPath(good),
    wrongKeyEnv: withPath(wrong),
    logins: () => (output.match(/Accepted publickey for root/g) ?? []).length,
    connections: () => (output.match(/Connection from 127\.0\.0\.1 port \d+ on/g) ?? []).length,
    wrongKeySshRuns: () => count(join(wrong, 'runs.log'), /./),
    dialStdios: () => count(join(dir, 'dial-stdio.log'), /system dial-stdio/),
    forwardRuns: () => count(join(good, 'runs.log'), /-O forward/),
    remoteDockerRuns: () => count(join(dir, 'dial-stdio.log'), /./),
    dialStdioInput: () => {
      try {
        return statSync(join(dir, 'dial-stdio.in')).size
      } catch {
        return 0
      }
    },
  }
}
