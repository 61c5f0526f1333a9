// The daemon's event log for GET /events: what happened to containers, execs, images and networks,
// in the Engine API's shape. The newest events are kept (dockerd keeps 256) so `since` can replay them.

/** One event as GET /events sends it (moby api/types/events.Message). */
export interface EngineEvent {
  Type: 'container' | 'image' | 'network' | 'volume'
  Action: string
  Actor: {ID: string; Attributes: Record<string, string>}
  scope: 'local'
  time: number
  timeNano: number
  /** Deprecated fields dockerd still sends for containers and images. */
  status?: string
  id?: string
  from?: string
}

export type EventListener = (event: EngineEvent) => void

/** dockerd's in-memory event buffer size (daemon/events: eventsLimit). */
export const KEPT_EVENTS = 256

/** What an event is about; for a container its image and labels go into the attributes. */
export interface EventActor {
  type: EngineEvent['Type']
  id: string
  attributes: Record<string, string>
}

export class EventLog {
  private readonly kept: EngineEvent[] = []
  private readonly listeners = new Set<EventListener>()
  /** Nanoseconds of the last event: each event gets a later timeNano, so since/until never split a tie. */
  private lastNano = 0n

  emit(actor: EventActor, action: string): EngineEvent {
    const nowNano = BigInt(Date.now()) * 1_000_000n
    const timeNano = nowNano > this.lastNano ? nowNano : this.lastNano + 1n
    this.lastNano = timeNano
    const event: EngineEvent = {
      Type: actor.type,
      Action: action,
      Actor: {ID: actor.id, Attributes: {...actor.attributes}},
      scope: 'local',
      time: Number(timeNano / 1_000_000_000n),
      timeNano: Number(timeNano),
    }
    if (actor.type === 'container' || actor.type === 'image') {
      // The pre-1.22 fields dockerd still fills in (clients such as dockerode's users read `status`).
      Object.assign(event, {status: action, id: actor.id, ...(actor.attributes.image ? {from: actor.attributes.image} : {})})
    }
    this.kept.push(event)
    if (this.kept.length > KEPT_EVENTS) this.kept.shift()
    for (const listener of this.listeners) listener(event)
    return event
  }

  /** The kept events, oldest first. */
  recent(): readonly EngineEvent[] {
    return this.kept
  }

  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }
}

/** The attributes dockerd puts on a container's events: its labels, then image and name. */
export function containerActor(c: {id: string; name: string; spec: {image: string; labels: Record<string, string>}}, extra: Record<string, string> = {}): EventActor {
  return {type: 'container', id: c.id, attributes: {...c.spec.labels, image: c.spec.image, name: c.name, ...extra}}
}
