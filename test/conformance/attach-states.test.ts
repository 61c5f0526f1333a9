// Attach refuses paused and restarting containers with Docker's words (real dockerd: the mock daemon
// has no pause or restart policy).
import t from 'tap'
import {dockerCli, hijack} from '../helpers/cli.js'
import {startRealDockerd} from '../helpers/real-dockerd.js'

t.test('paused and restarting containers on dockerd', async (t) => {
  const dockerd = await startRealDockerd(t)
  if (!dockerd) return
  const {host} = dockerd
  await dockerd.run('paused', {cmd: ['sleep', '1000000']})
  await dockerd.docker(['pause', 'paused'])

  t.test('paused', async (t) => {
    const ours = await hijack(['attach', '-H', host, 'paused'])
    const theirs = await dockerCli(host, ['attach', 'paused'])
    t.equal(ours.code, 1)
    t.equal(theirs.code, 1)
    t.equal(ours.stderr.toString(), 'You cannot attach to a paused container, unpause it first\n')
    t.equal(ours.stderr.toString(), theirs.stderr.toString())
  })

  t.test('restarting', async (t) => {
    // A container that fails at once under --restart always spends most of its time in restart backoff.
    const created = await dockerd.docker(['run', '-d', '--network', 'none', '--restart', 'always', '--name', 'flapping', 'hijack-test/busybox', 'sh', '-c', 'exit 1'])
    t.equal(created.code, 0)
    t.teardown(() => dockerd.docker(['rm', '-f', 'flapping']))
    const expected = 'You cannot attach to a restarting container, wait until it is running\n'
    let seen = ''
    for (let i = 0; i < 20 && seen !== expected; i++) {
      const state = await dockerd.docker(['inspect', '-f', '{{.State.Restarting}}', 'flapping'])
      if (state.stdout.toString().trim() === 'true') seen = (await hijack(['attach', '-H', host, 'flapping'])).stderr.toString()
      if (seen !== expected) await new Promise((resolve) => setTimeout(resolve, 200))
    }
    t.equal(seen, expected, 'refused while restarting, in Docker\'s words')
  })
})
