export { createClient, type AgentStreamClient, type RequestWatch, type StartInput } from './agent-stream-client';
export type { ClientOptions, ConnectionStatus, TokenSource } from './client-options';
export { ClientCommandError, ClientErrorCode, ErrorCode } from './client-error';
export type { RetryPolicy } from './command-retry';
export type { EventListener, RequestSnapshot } from './request-tracker';
// The wire shapes an application meets through the client, so it need not import the contracts itself.
export type {
  AgentSummary,
  ErrorBody,
  FieldError,
  PendingQuestion,
  QuestionMessage,
  RecordedMessage,
  RecordedType,
  StateMessage,
  StepSummary,
} from '@app/contracts/wire';
export type { RequestStatus, StepStatus } from '@app/contracts/request-status';
