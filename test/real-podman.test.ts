// scripts/podman.sh: a private, network-less podman API service whose `stop` leaves nothing behind
// (the service, the conmon processes each exec leaves for 300 s, mounts, DIR), and the podman facts
// at the API that README "Compatibility" lists. Skips visibly without podman unless CI=true.
import {execFile} from 'node:child_process'
import {existsSync, mkdtempSync, readdirSync, readFileSync} from 'node:fs'
import t from 'tap'
import {apiRequest} from './helpers/real-dockerd.js'

const SCRIPT = new URL('../scripts/podman.sh', import.meta.url).pathname

function run(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{code: number; stdout: string; stderr: string}> {
  return new Promise((resolve) => {
    execFile('bash', [SCRIPT, ...args], {env, timeout: 240_000}, (error, stdout, stderr) =>
      resolve({code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr}))
  })
}

/** Processes whose command line names dir: what podman.sh started, and what conmon started for it. */
function processesNaming(dir: string): string[] {
  const found: string[] = []
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ')
      if (cmdline.includes(`${dir}/`) && !cmdline.includes('real-podman.test')) found.push(`${pid} ${cmdline}`)
    } catch {
      // gone meanwhile
    }
  }
  return found
}

const mountsUnder = (dir: string): string[] =>
  readFileSync('/proc/self/mounts', 'utf8').split('\n').map((l) => l.split(' ')[1]).filter((m) => m?.startsWith(dir))

t.test('podman.sh start, the API facts, and a stop that leaves nothing', async (t) => {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) {
    if (process.env.CI === 'true') t.fail('real podman needs Linux and root')
    else t.comment('SKIP real podman: needs Linux and root')
    return
  }
  const dir = mkdtempSync('/tmp/hjp-')
  t.teardown(() => run(['stop', dir]))
  const started = await run(['start', dir], {...process.env, HIJACK_PODMAN_OWNER_PID: String(process.pid)})
  if (started.code !== 0) {
    if (process.env.CI === 'true') t.fail('podman.sh start failed', {stderr: started.stderr})
    else t.comment(`SKIP real podman: ${started.stderr.trim().split('\n').at(-1)}`)
    return
  }
  const host = started.stdout.trim().split('\n').at(-1)!
  t.equal(host, `unix://${dir}/podman.sock`, 'the host URL is the last stdout line')

  const ping = await apiRequest(host, 'GET', '/_ping')
  t.equal(ping.headers['api-version'], '1.41', 'podman 4.3 speaks Docker API 1.41 (dockerd 20.10: 1.41 too)')
  t.equal(ping.headers['libpod-api-version'], '4.3.1', 'and says it is podman')

  const created = await apiRequest(host, 'POST', '/containers/create?name=box',
    {Image: 'hijack-test/busybox', Cmd: ['sleep', '1000000'], HostConfig: {NetworkMode: 'none'}})
  t.equal(created.status, 201, created.body.toString())
  const id = (JSON.parse(created.body.toString()) as {Id: string}).Id
  t.equal((await apiRequest(host, 'POST', `/containers/${id}/start`)).status, 204)
  const inspect = JSON.parse((await apiRequest(host, 'GET', `/containers/${id}/json`)).body.toString())
  t.equal(inspect.HostConfig.NetworkMode, 'none')

  const exec = await apiRequest(host, 'POST', `/containers/${id}/exec`, {Cmd: ['ip', '-o', 'link'], AttachStdout: true})
  const execId = (JSON.parse(exec.body.toString()) as {Id: string}).Id
  const output = await apiRequest(host, 'POST', `/exec/${execId}/start`, {Detach: false, Tty: false})
  // One stdout frame per line; only the loopback interface exists.
  t.match(output.body.subarray(8).toString(), /^1: lo: /)
  t.notMatch(output.body.toString(), /eth0|veth/, 'no other interface')
  const resize = await apiRequest(host, 'POST', `/exec/${execId}/resize?h=10&w=20`)
  t.equal(resize.status, 500, 'resizing an ended exec: 500 (dockerd 20.10: 404 "no such exec")')
  t.match(JSON.parse(resize.body.toString()).message, /as it is not running: exec session state improper$/)
  t.ok(processesNaming(dir).some((p) => p.includes('/conmon ') && p.includes(` -u ${execId} `)),
    'the ended exec left its conmon running (exit_command_delay, 300 s)')
  t.ok(readdirSync('/etc/cni/net.d').every((f) => !f.includes('hijack')), 'no network config written outside DIR')

  const stopped = await run(['stop', dir])
  t.equal(stopped.code, 0, stopped.stderr)
  t.same(processesNaming(dir), [], 'no process of ours is left')
  t.same(mountsUnder(dir), [], 'no mount is left')
  t.notOk(existsSync(dir), 'DIR is gone')
  t.notOk(existsSync(`/run/runc/${id}`), 'no runc state is left')
})
