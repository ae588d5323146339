export { AgentWorkflow } from './agent-workflow';
export type { AgentWorkflowOptions, AgentRun, AgentReporter, ProgressData, ProgressOptions, AskOptions, RunCommandHandler, StreamOptions } from './agent-workflow';
export { OutputCoalescer, DEFAULT_OUTPUT_WINDOW_MS, DEFAULT_OUTPUT_MAX_BYTES_PER_EVENT, type OutputCoalescing } from './output-coalescer';
export { QuestionTimeoutError, RunCancelledError, WorkerShutdownError } from './run-errors';
export { sleep } from './sleep';
export { AgentKitModule } from './agent-kit.module';
export type { AgentKitOptions } from './agent-kit.options';
// For authors' unit tests: run a workflow against a fake sink, no broker.
export { AgentEventSink, type AgentEvent } from './agent-event-sink';
export { AgentRunSession, type AgentRunOptions, type RunOutcome } from './agent-run';
export { RecordingEventSink } from './recording-event-sink';
export { WorkerHttpServer } from './worker-http-server';
