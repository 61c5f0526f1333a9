// The parts of the Engine API's swarm objects that hijack reads (GET /tasks, GET /nodes).

/** A GET /tasks entry (swarm Task). */
export interface SwarmTask {
  ID: string
  ServiceID?: string
  NodeID?: string
  /** Replicated services number their tasks from 1; global services have none (0). */
  Slot?: number
  DesiredState?: string
  Status?: {State?: string; Err?: string; ContainerStatus?: {ContainerID?: string}}
}

/** A GET /nodes entry (swarm Node). */
export interface SwarmNode {
  ID: string
  Description?: {Hostname?: string}
  Status?: {State?: string; Addr?: string}
}
