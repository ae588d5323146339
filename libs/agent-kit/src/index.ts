export { AgentWorkflow } from './agent-workflow';
export type { AgentWorkflowOptions, AgentRun, AgentReporter, ProgressData, ProgressOptions, AskOptions, RunCommandHandler } from './agent-workflow';
export { QuestionTimeoutError, RunCancelledError, WorkerShutdownError } from './run-errors';
export { sleep } from './sleep';
export { AgentKitModule } from './agent-kit.module';
export type { AgentKitOptions } from './agent-kit.options';
// For authors' unit tests: run a workflow against a fake sink, no broker.
export { AgentEventSink, type AgentEvent } from './agent-event-sink';
export { AgentRunSession, type AgentRunOptions, type RunOutcome } from './agent-run';
export { RecordingEventSink } from './recording-event-sink';
export { WorkerHttpServer } from './worker-http-server';
