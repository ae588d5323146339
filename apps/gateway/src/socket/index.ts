export { StreamGateway } from './stream.gateway';
export { ConfiguredIoAdapter } from './configured-io.adapter';
export { toAckFailure } from './ack';
