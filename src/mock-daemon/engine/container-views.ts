// How Docker shows a container: the list entry, inspect, and the status words. Views only: no state here.
import type {ContainerInfo, ContainerInspectInfo} from 'dockerode'
import {type Container, ZERO_TIME} from './container.js'

export const IMAGE_ID = `sha256:${'0'.repeat(64)}`

/** Docker's (go-units) HumanDuration, as in `Up 5 seconds` and `Exited (0) 2 minutes ago`. */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000)
  if (seconds < 1) return 'Less than a second'
  if (seconds === 1) return '1 second'
  if (seconds < 60) return `${seconds} seconds`
  const minutes = Math.floor(seconds / 60)
  if (minutes === 1) return 'About a minute'
  if (minutes < 60) return `${minutes} minutes`
  const hours = Math.floor(ms / 3_600_000 + 0.5)
  if (hours === 1) return 'About an hour'
  if (hours < 48) return `${hours} hours`
  if (hours < 24 * 7 * 2) return `${Math.floor(hours / 24)} days`
  if (hours < 24 * 30 * 2) return `${Math.floor(hours / 24 / 7)} weeks`
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24 / 30)} months`
  return `${Math.floor(ms / 3_600_000 / 24 / 365)} years`
}

/** The `Command` column of a container list: path, then arguments quoted when they hold a space. */
function commandLine(argv: readonly string[]): string {
  return argv.map((arg, i) => (i > 0 && arg.includes(' ') ? `'${arg}'` : arg)).join(' ')
}

/** Docker's words for the state: `Up 3 seconds`, `Exited (0) 2 minutes ago`, `Created`. */
export function statusText(c: Container, now = Date.now()): string {
  if (c.running) return `Up ${humanDuration(now - Date.parse(c.startedAt))}${c.paused ? ' (Paused)' : ''}`
  if (c.startedAt === ZERO_TIME) return 'Created'
  return `Exited (${c.exitCode}) ${humanDuration(now - Date.parse(c.finishedAt))} ago`
}

/** The `GET /containers/json` entry. */
export function containerSummary(c: Container, now = Date.now()): ContainerInfo {
  return {
    Id: c.id,
    Names: [`/${c.name}`],
    Image: c.spec.image,
    ImageID: IMAGE_ID,
    Command: commandLine(c.argv),
    Created: Math.floor(Date.parse(c.created) / 1000),
    Ports: [],
    Labels: {...c.spec.labels},
    State: c.paused ? 'paused' : c.status,
    Status: statusText(c, now),
    HostConfig: {NetworkMode: 'none'},
    NetworkSettings: {Networks: {}},
    Mounts: [],
  }
}

/** The `GET /containers/{id}/json` answer. */
export function containerInspect(c: Container): ContainerInspectInfo {
  const {spec} = c
  const running = c.running
  const argv = c.argv
  return {
    Id: c.id,
    Created: c.created,
    Path: argv[0],
    Args: argv.slice(1),
    State: {
      Status: c.paused ? 'paused' : c.status,
      Running: running,
      Paused: c.paused,
      Restarting: false,
      OOMKilled: false,
      Dead: false,
      Pid: running ? c.pid : 0,
      ExitCode: running ? 0 : c.exitCode,
      Error: c.error,
      StartedAt: c.startedAt,
      FinishedAt: c.finishedAt,
    },
    Image: IMAGE_ID,
    ResolvConfPath: '',
    HostnamePath: '',
    HostsPath: '',
    LogPath: '',
    Name: `/${c.name}`,
    RestartCount: 0,
    Driver: 'mock',
    Platform: 'linux',
    MountLabel: '',
    ProcessLabel: '',
    AppArmorProfile: '',
    // dockerd sends null for none (a nil Go slice); the type says undefined.
    ExecIDs: c.execIds.size > 0 ? [...c.execIds] : (null as unknown as undefined),
    HostConfig: {...spec.hostConfig, NetworkMode: 'none'},
    GraphDriver: {Name: 'mock', Data: {DeviceId: '', DeviceName: '', DeviceSize: ''}},
    Mounts: [],
    Config: {
      Hostname: c.id.slice(0, 12),
      Domainname: '',
      User: '',
      AttachStdin: false,
      AttachStdout: false,
      AttachStderr: false,
      ExposedPorts: {},
      Tty: spec.tty,
      OpenStdin: spec.openStdin,
      StdinOnce: spec.stdinOnce,
      Env: [...c.env],
      Cmd: [...spec.cmd],
      ...(spec.entrypoint && spec.entrypoint.length > 0 ? {Entrypoint: [...spec.entrypoint]} : {}),
      Image: spec.image,
      Volumes: {},
      WorkingDir: spec.workdir,
      Labels: {...spec.labels},
      ...(spec.stopSignal ? {StopSignal: spec.stopSignal} : {}),
    },
    NetworkSettings: {SandboxID: '', Ports: {}, SandboxKey: '', Networks: {}},
  }
}
