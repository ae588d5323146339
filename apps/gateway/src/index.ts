// The gateway's public face for extension modules (docs/extending.md): what a
// team imports to add to the gateway without editing it. Stable API.
export { createGatewayApp, type GatewayAppOptions } from './create-gateway-app';
export {
  OnRequestEvent,
  type OnRequestEventOptions,
  type RequestEventContext,
  type RequestEventHandler,
  type RequestEventTypes,
} from './hooks';
export { AdminGuard, AdminOnly } from './admin';
export { AgentCommandForwarder, StreamCommand, type StreamCommandContext, type StreamCommandOptions, type StreamCommandResult } from './commands';
