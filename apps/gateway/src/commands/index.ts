export { CommandsModule } from './commands.module';
export { forbidden, RequestCommands } from './request-commands';
// For extension modules: a socket command of their own, forwarded to agents if they like.
export { StreamCommand, type StreamCommandContext, type StreamCommandOptions, type StreamCommandResult } from './stream-command';
export { StreamCommandRegistry, type StreamCommandHandler } from './stream-command-registry';
export { AgentCommandForwarder } from './agent-command-forwarder';
