import {CLIENT_API_VERSION, DockerApi, HijackError, resolveEndpoint, type DaemonVersion, type Endpoint} from '../transport/index.js'
import type {EndpointFlags} from './flag-specs.js'

export interface VersionReport {
  Client: {Version: string; ApiVersion: string; Node: string; Os: string; Arch: string}
  /** Absent when the daemon could not be reached. */
  Server?: {Version: string; ApiVersion: string; MinAPIVersion?: string; Os?: string; Arch?: string; KernelVersion?: string}
  /** The API version this run used: negotiated with the daemon, or fixed by DOCKER_API_VERSION. */
  NegotiatedApiVersion?: string
  Endpoint: string
  Context: string
}

/** Gathers the report; a daemon that cannot be reached leaves Server out and comes back as `error`. */
export async function versionReport(flags: EndpointFlags, clientVersion: string): Promise<{report: VersionReport; error?: HijackError}> {
  const endpoint: Endpoint = resolveEndpoint(flags)
  const report: VersionReport = {
    Client: {Version: clientVersion, ApiVersion: CLIENT_API_VERSION, Node: process.version, Os: process.platform, Arch: process.arch},
    Endpoint: endpoint.host.url,
    Context: endpoint.context,
  }
  try {
    const api = await DockerApi.connect(endpoint.host)
    const server: DaemonVersion = await api.version()
    report.NegotiatedApiVersion = api.apiVersion
    report.Server = {
      Version: server.Version ?? 'unknown',
      ApiVersion: server.ApiVersion ?? 'unknown',
      ...(server.MinAPIVersion && {MinAPIVersion: server.MinAPIVersion}),
      ...(server.Os && {Os: server.Os}),
      ...(server.Arch && {Arch: server.Arch}),
      ...(server.KernelVersion && {KernelVersion: server.KernelVersion}),
    }
    api.close()
    return {report}
  } catch (error) {
    if (error instanceof HijackError) return {report, error}
    throw error
  }
}

/** The report as `docker version` lays it out. */
export function formatVersion(report: VersionReport): string {
  const row = (name: string, value: string): string => ` ${`${name}:`.padEnd(19)}${value}\n`
  const client = report.Client.ApiVersion
  const used = report.NegotiatedApiVersion
  // Docker's wording when the daemon is older than the client.
  const api = used && used !== client ? `${used} (downgraded from ${client})` : client
  let text = 'Client:\n' + row('Version', report.Client.Version) + row('API version', api) +
    row('Node version', report.Client.Node) + row('OS/Arch', `${report.Client.Os}/${report.Client.Arch}`) +
    row('Context', report.Context) + row('Endpoint', report.Endpoint)
  if (report.Server) {
    const s = report.Server
    text += '\nServer:\n' + row('Version', s.Version) +
      row('API version', `${s.ApiVersion}${s.MinAPIVersion ? ` (minimum version ${s.MinAPIVersion})` : ''}`) +
      (s.Os ? row('OS/Arch', `${s.Os}/${s.Arch ?? 'unknown'}`) : '') + (s.KernelVersion ? row('Kernel version', s.KernelVersion) : '')
  }
  return text
}
