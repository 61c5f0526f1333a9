// The daemon's state, without sockets: its containers, exec instances and images, the processes they
// started, the event log, and what outlives a request (AutoRemove, the exec sweep). The API handlers
// drive it; tests can too.
import type {ContainerSpec, RuntimeName} from '../config.js'
import {type Faults, mergeFaults} from '../faults.js'
import {Container} from './container.js'
import {ContainerStore} from './container-store.js'
import {EventLog} from './event-log.js'
import {type ExecConfig, ExecRecord} from './exec.js'
import type {Swarm} from './swarm.js'
import {ImageStore, type MockImage} from './image-store.js'
import type {MockProcess, Runtime} from './runtime.js'

export interface EngineOptions {
  containers: ContainerSpec[]
  /** The daemon's faults: every container's, under its own. */
  faults: Faults
  runtimes: {process: Runtime; builtin?: Runtime}
  /** Runtime of containers created through the API without a `hijack.runtime` label (default "process"). */
  defaultRuntime?: RuntimeName
  /** Bytes of main-process output kept per container for attach logs=1. */
  logSize: number
  /** How long an exited exec can still be inspected; it goes at the first sweep after that. */
  execRetentionMs: number
  /** Set when the daemon plays a swarm manager: what it answers on /nodes, /tasks, /services. */
  swarm?: Swarm
}

export class Engine {
  readonly containers = new ContainerStore()
  readonly execs = new Map<string, ExecRecord>()
  /** What GET /events reports. */
  readonly events = new EventLog()
  /** Every image a container names, and every image pulled. */
  readonly images = new ImageStore()
  /** Every process started and not exited yet, so shutdown() can kill them. */
  readonly processes = new Set<MockProcess>()
  /** One sweep for all exec records (no timer per exec). */
  private readonly execSweep: NodeJS.Timeout
  readonly swarm: Swarm | undefined

  constructor(private readonly options: EngineOptions) {
    this.swarm = options.swarm
    const retention = options.execRetentionMs
    this.execSweep = setInterval(() => this.pruneExecs(Date.now(), retention), retention).unref()
    for (const spec of options.containers) {
      const runtime = this.runtime(spec.runtime ?? 'process')
      if (!runtime) throw new Error(`container "${spec.name}": runtime "builtin" is not available`)
      this.addContainer(spec, runtime)
    }
  }

  get defaultRuntime(): RuntimeName {
    return this.options.defaultRuntime ?? 'process'
  }

  /** Bytes of output kept per container; also how far a logs or events reader may fall behind. */
  get logSize(): number {
    return this.options.logSize
  }

  runtime(name: RuntimeName): Runtime | undefined {
    return this.options.runtimes[name]
  }

  /** A new container, from the config or the API: the daemon's faults under its own. */
  addContainer(spec: ContainerSpec, runtime: Runtime): Container {
    const container = new Container(spec, {
      runtime,
      faults: mergeFaults(this.options.faults, spec.faults),
      logLimit: this.options.logSize,
      track: this.track,
      events: this.events,
    })
    this.containers.add(container)
    this.images.add(spec.image)
    container.emit('create')
    // HostConfig.AutoRemove (`docker run --rm`): gone once the main process has exited.
    if (spec.hostConfig?.AutoRemove === true) container.stopped.on(() => this.removeContainer(container))
    return container
  }

  /** Takes a stopped container out of the daemon, with its exec records. */
  removeContainer(container: Container): void {
    this.containers.remove(container)
    for (const id of container.execIds) this.execs.delete(id)
    container.markRemoved()
  }

  /** A pull: the image is only named here (nothing is downloaded). Whether it was known before. */
  pullImage(name: string): {image: MockImage; existed: boolean} | undefined {
    const existed = this.images.find(name) !== undefined
    const image = this.images.add(name)
    if (!image) return undefined
    this.events.emit({type: 'image', id: name, attributes: {name}}, 'pull')
    return {image, existed}
  }

  /** A container (in any state) whose image this is. */
  imageUser(image: MockImage): Container | undefined {
    return this.containers.all().find((c) => this.images.find(c.spec.image) === image)
  }

  /** Forgets the image: its names are untagged, then it is deleted. */
  removeImage(image: MockImage): void {
    this.images.remove(image)
    for (const name of image.repoTags) this.events.emit({type: 'image', id: name, attributes: {name}}, 'untag')
    this.events.emit({type: 'image', id: image.id, attributes: {name: image.id}}, 'delete')
  }

  createExec(container: Container, config: ExecConfig): ExecRecord {
    const record = new ExecRecord(container, config, this.track)
    this.execs.set(record.id, record)
    container.execIds.add(record.id)
    container.emit(`exec_create: ${config.cmd.join(' ')}`, {execID: record.id})
    return record
  }

  /** The pids a container's processes descend from: its main process and its running execs (none for builtin). */
  processRoots(container: Container): number[] {
    const pids = [container.pid]
    for (const id of container.execIds) {
      const record = this.execs.get(id)
      if (record?.running && record.pid > 0) pids.push(record.pid)
    }
    return pids.filter((pid) => pid > 0)
  }

  /** Keeps `proc` until it exits. A property, to be passed around as is (no closure per exec). */
  readonly track = (proc: MockProcess): void => {
    const processes = this.processes
    processes.add(proc)
    const forget = (): void => {
      processes.delete(proc)
    }
    proc.exited.then(forget, forget)
  }

  /** Forgets execs that exited `retention` ms ago or more (dockerd keeps them 5 to 10 minutes too). */
  pruneExecs(now: number, retention: number): void {
    for (const [id, record] of this.execs) {
      if (record.expired(now, retention)) this.execs.delete(id)
    }
  }

  /** Starts every configured container's main process (at daemon start, no start check: as before the API). */
  startContainers(): void {
    for (const c of this.containers.all()) c.start()
  }

  /** Kills every process; resolves when they have exited (or after 5 s). */
  async shutdown(): Promise<void> {
    clearInterval(this.execSweep)
    const exits = [...this.processes].map((p) => p.exited.catch(() => 0))
    for (const p of this.processes) p.kill('SIGKILL')
    // Background children of finished execs are not in `processes`: the runtimes know them.
    this.options.runtimes.process.shutdown?.()
    this.options.runtimes.builtin?.shutdown?.()
    let timer: NodeJS.Timeout | undefined
    await Promise.race([
      Promise.all(exits),
      new Promise((resolve) => {
        timer = setTimeout(resolve, 5000)
      }),
    ])
    clearTimeout(timer)
  }
}
