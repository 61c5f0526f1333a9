// Flag definitions as plain data, free of oclif: the oclif commands build their flags from these, and
// the fast path parses valid invocations with them without loading oclif at all (~100 ms saved).

export interface BooleanSpec {
  type: 'boolean'
  char?: string
  description: string
  default?: boolean
  allowNo?: boolean
}

export interface OptionSpec {
  type: 'option'
  char?: string
  description: string
  /** Repeatable; each occurrence takes exactly one value (oclif's multipleNonGreedy). */
  multiple?: boolean
}

export type FlagSpec = BooleanSpec | OptionSpec
export type FlagSpecs = Record<string, FlagSpec>

// Docker's global connection flags; like Docker, hijack takes them before or after the command name.
const HOST: OptionSpec = {type: 'option', char: 'H', description: 'daemon to connect to: unix:///path, tcp://host[:port] or ssh://[user@]host[:port][/socket] (default: $DOCKER_HOST, the context, or unix:///var/run/docker.sock)'}
export const ENDPOINT_FLAGS = {
  host: HOST,
  context: {type: 'option', char: 'c', description: 'name of the Docker context to use (overrides DOCKER_HOST, DOCKER_CONTEXT and `docker context use`)'},
  tls: {type: 'boolean', description: 'use TLS; implied by --tlsverify'},
  tlsverify: {type: 'boolean', description: "use TLS and verify the daemon's certificate (default: $DOCKER_TLS_VERIFY)", allowNo: true},
  tlscacert: {type: 'option', description: 'trust certs signed only by this CA (default: $DOCKER_CERT_PATH/ca.pem)'},
  tlscert: {type: 'option', description: 'path to the TLS client certificate (default: $DOCKER_CERT_PATH/cert.pem)'},
  tlskey: {type: 'option', description: 'path to the TLS client key (default: $DOCKER_CERT_PATH/key.pem)'},
} satisfies FlagSpecs

/** The endpoint flags' parsed values. */
export interface EndpointFlags {
  host?: string
  context?: string
  tls?: boolean
  tlsverify?: boolean
  tlscacert?: string
  tlscert?: string
  tlskey?: string
}
// Swarm: a service's tasks, each on its own node's daemon (README "Swarm services").
const NODE_REACH_DEFAULT = "default: the manager's endpoint with the node in its place (ssh: its hostname; tcp: its address, same port and TLS); a unix socket reaches only its own node"
const SERVICE_FLAGS = {
  service: {type: 'option', description: 'swarm service whose running tasks to run in, each on its own node (-H/--context name the manager); then every operand is the command'},
  task: {type: 'option', description: 'with --service: only the task in this slot, or with this task ID (or unique prefix)'},
  'node-host': {type: 'option', description: `with --service: each node's daemon, a host URL with {hostname}, {addr} or {id} (ssh://admin@{hostname}, tcp://{addr}:2376 with the --tls* flags); ${NODE_REACH_DEFAULT}`},
  'node-context': {type: 'option', description: `with --service: each node's Docker context, a name with {hostname}, {addr} or {id} (swarm-{hostname}); not with --node-host; ${NODE_REACH_DEFAULT}`},
} satisfies FlagSpecs

/** The swarm flags' parsed values. */
export interface ServiceFlags {
  service?: string
  task?: string
  'node-host'?: string
  'node-context'?: string
}

const DETACH_KEYS: OptionSpec = {type: 'option', description: 'override the key sequence for detaching (default ctrl-p,ctrl-q)'}

export const EXEC_FLAGS = {
  ...ENDPOINT_FLAGS,
  // exec: -H and --context repeat, one daemon per value (fan-out across daemons).
  host: {...HOST, description: `${HOST.description}; repeat to run on several daemons`, multiple: true},
  context: {...ENDPOINT_FLAGS.context, description: `${ENDPOINT_FLAGS.context.description}; repeat to run on several daemons`, multiple: true},
  interactive: {type: 'boolean', char: 'i', description: 'keep STDIN open and copy it to the command'},
  tty: {type: 'boolean', char: 't', description: 'allocate a pseudo-TTY'},
  detach: {type: 'boolean', char: 'd', description: 'detached mode: run the command in the background'},
  env: {type: 'option', char: 'e', description: 'set environment variables (NAME=value, or NAME to pass ours)', multiple: true},
  'env-file': {type: 'option', description: 'read in a file of environment variables', multiple: true},
  user: {type: 'option', char: 'u', description: 'username or UID (format: "<name|uid>[:<group|gid>]")'},
  workdir: {type: 'option', char: 'w', description: 'working directory inside the container'},
  privileged: {type: 'boolean', description: 'give extended privileges to the command'},
  'detach-keys': DETACH_KEYS,
  filter: {type: 'option', description: 'run in every container matching KEY=VALUE (Docker filter: label=k=v, name=..., status=...); repeatable; then every operand is the command', multiple: true},
  parallel: {type: 'option', description: 'fan-out: at most N sessions at once (default: all, up to 256; at most 1024)'},
  'no-prefix': {type: 'boolean', description: 'fan-out: raw output, without the container-name prefix on each line'},
  json: {type: 'boolean', description: 'fan-out: one JSON object per container on stdout when it ends (the output goes to stderr)'},
  'fail-fast': {type: 'boolean', description: 'fan-out: stop the other sessions at the first failure'},
  timeout: {type: 'option', description: 'stop the command after DURATION (500ms, 30s, 2m) and exit 124'},
  'kill-after': {type: 'option', description: 'with --timeout: SIGKILL what is left DURATION after SIGTERM (default 10s)'},
  ...SERVICE_FLAGS,
} satisfies FlagSpecs

export const ATTACH_FLAGS = {
  ...ENDPOINT_FLAGS,
  'no-stdin': {type: 'boolean', description: 'do not attach STDIN'},
  'sig-proxy': {type: 'boolean', description: 'proxy all received signals to the process (--sig-proxy=false to turn off)', default: true, allowNo: true},
  'detach-keys': DETACH_KEYS,
  logs: {type: 'boolean', description: "replay the container's earlier output before streaming (beyond Docker)"},
  ...SERVICE_FLAGS,
  service: {type: 'option', description: 'swarm service one of whose tasks to attach to, on its node (-H/--context name the manager); then no CONTAINER'},
  task: {type: 'option', description: 'with --service: the task in this slot, or with this task ID (or unique prefix); needed when the service runs several'},
} satisfies FlagSpecs

/** Parsed flag values, as oclif and the fast parser both produce them. */
export type FlagValues = Record<string, boolean | string | string[] | undefined>

export interface ExecFlags extends Omit<EndpointFlags, 'host' | 'context'>, ServiceFlags {
  host?: string[]
  context?: string[]
  interactive?: boolean
  tty?: boolean
  detach?: boolean
  env?: string[]
  'env-file'?: string[]
  user?: string
  workdir?: string
  privileged?: boolean
  'detach-keys'?: string
  filter?: string[]
  parallel?: string
  'no-prefix'?: boolean
  json?: boolean
  'fail-fast'?: boolean
  timeout?: string
  'kill-after'?: string
}

export interface AttachFlags extends EndpointFlags, ServiceFlags {
  'no-stdin'?: boolean
  'sig-proxy'?: boolean
  'detach-keys'?: string
  logs?: boolean
}
