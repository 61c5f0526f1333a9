// Smoke test for the real-dockerd helper: a private, network-less dockerd
// (scripts/dockerd.sh) with image hijack-test/busybox. Skips visibly without a
// daemon unless CI=true. Set HIJACK_DOCKER_HOST to reuse a running daemon.
import t from 'tap'
import { startRealDockerd } from './helpers/real-dockerd.js'

t.test('real dockerd: exec output, exit code, network none', async (t) => {
  const d = await startRealDockerd(t)
  if (!d) return

  const name = `hj-smoke-${process.pid}`
  const id = await d.run(name, { cmd: ['sh', '-c', 'echo hello; sleep 600'] })
  t.match(id, /^[0-9a-f]{64}$/, 'run returns the container id')

  const hi = await d.docker(['exec', name, 'echo', 'hi'])
  t.equal(hi.code, 0, 'docker exec echo exits 0')
  t.equal(hi.stdout.toString(), 'hi\n', 'docker exec echo prints hi')

  const seven = await d.docker(['exec', name, 'sh', '-c', 'exit 7'])
  t.equal(seven.code, 7, 'docker exec propagates exit 7')

  const stdin = await d.docker(['exec', '-i', name, 'cat'], { input: 'piped\n' })
  t.equal(stdin.stdout.toString(), 'piped\n', 'docker exec -i passes stdin')

  const insp = await d.docker(['inspect', '--format', '{{.HostConfig.NetworkMode}}', name])
  t.equal(insp.code, 0, 'docker inspect exits 0')
  t.equal(insp.stdout.toString().trim(), 'none', 'container NetworkMode is none')

  const logs = await d.docker(['logs', name])
  t.equal(logs.stdout.toString(), 'hello\n', 'container output reached the log')

  const links = await d.docker(['exec', name, 'ip', '-o', 'link'])
  t.equal(
    links.stdout.toString().trim().split('\n').map((l) => l.split(':')[1]?.trim()).join(','),
    'lo',
    'only a loopback interface inside the container',
  )

  await d.remove(name)
  const gone = await d.docker(['inspect', name])
  t.not(gone.code, 0, 'remove deletes the container')
})
