// A mock swarm's nodes as running daemons: one mock daemon per node, on its own unix socket, running
// the task containers the swarm placed there. The manager (index.ts) starts them first, closes them last.
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join, resolve} from 'node:path'
import type {MockConfig} from './config.js'
import {Swarm} from './engine/swarm.js'
import type {SwarmNodeSpec, SwarmSpec} from './swarm-config.js'

/** A running node daemon, as far as the swarm needs it (index.ts's MockDaemon). */
export interface NodeDaemon {
  close(): Promise<void>
}

export type StartNodeDaemon = (socket: string, config: MockConfig) => Promise<NodeDaemon>

export interface RunningSwarm {
  swarm: Swarm
  /** Stops one node's daemon, as a node going down mid-run (the manager still lists it). */
  closeNode(hostname: string): Promise<void>
  close(): Promise<void>
}

/** Builds the swarm and starts its node daemons; on failure, the ones already started are closed. */
export async function startSwarmNodes(spec: SwarmSpec, startNode: StartNodeDaemon): Promise<RunningSwarm> {
  let tempDir: string | undefined
  // A node without a configured socket gets HOSTNAME.sock in a temp dir of the swarm's.
  const socketOf = (node: SwarmNodeSpec): string => {
    if (node.socket) return resolve(node.socket)
    tempDir ??= mkdtempSync(join(tmpdir(), 'hijack-mock-swarm-'))
    return join(tempDir, `${node.hostname}.sock`)
  }
  const swarm = new Swarm(spec, socketOf)
  const daemons: NodeDaemon[] = []
  const close = async (): Promise<void> => {
    await Promise.all(daemons.map((d) => d.close()))
    if (tempDir) rmSync(tempDir, {recursive: true, force: true})
  }
  try {
    for (const node of swarm.nodes) daemons.push(await startNode(node.socketPath, {containers: swarm.nodeContainers.get(node.hostname)}))
  } catch (error) {
    await close()
    throw error
  }
  const closeNode = async (hostname: string): Promise<void> => {
    const index = swarm.nodes.findIndex((n) => n.hostname === hostname)
    if (index === -1) throw new Error(`no node ${hostname} in this swarm`)
    await daemons[index].close()
  }
  return {swarm, closeNode, close}
}
