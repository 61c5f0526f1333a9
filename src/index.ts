// Library entry: the transport and the mock daemon, for people who build on them.
export * from './transport/index.js'
export {main} from './main.js'
