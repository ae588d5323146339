export { createClient, type AgentStreamClient, type RequestWatch, type StartInput } from './agent-stream-client';
export type { ClientOptions, ConnectionStatus, TokenSource } from './client-options';
export { ClientCommandError, ErrorCode } from './client-error';
export type { RetryPolicy } from './command-retry';
export type { EventListener, RequestSnapshot } from './request-tracker';
