import { Injectable, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import { StreamCommandMeta, type StreamCommandContext, type StreamCommandOptions, type StreamCommandResult } from './stream-command';

/** One registered command: its options and the bound handler. */
export interface StreamCommandHandler extends Required<StreamCommandOptions> {
  name: string;
  /** `Class.method`, for logs and errors. */
  source: string;
  invoke(payload: object, context: StreamCommandContext): Promise<StreamCommandResult>;
}

/**
 * Every `@StreamCommand` method of the app's providers (ours and extension
 * modules'), found once at start-up through Nest's discovery. The socket
 * gateway looks commands up here; an event name with no entry is NOT_FOUND.
 */
@Injectable()
export class StreamCommandRegistry implements OnModuleInit {
  private readonly handlers = new Map<string, StreamCommandHandler>();

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
  ) {}

  onModuleInit(): void {
    for (const wrapper of this.discovery.getProviders()) {
      const instance = wrapper.instance as Record<string, (...args: unknown[]) => unknown> | undefined;
      if (!instance || typeof instance !== 'object') continue;
      for (const method of this.scanner.getAllMethodNames(Object.getPrototypeOf(instance))) {
        const meta = this.discovery.getMetadataByDecorator(StreamCommandMeta, wrapper, method);
        if (!meta) continue;
        const source = `${String(wrapper.name)}.${method}`;
        if (!wrapper.isDependencyTreeStatic()) throw new Error(`@StreamCommand ${source}: its provider must be a singleton (not request-scoped or transient)`);
        this.add({
          name: meta.name,
          payload: meta.payload,
          checkRequestAccess: meta.checkRequestAccess ?? true,
          source,
          invoke: async (payload, context) => (await instance[method].call(instance, payload, context)) as StreamCommandResult,
        });
      }
    }
  }

  get(name: string): StreamCommandHandler | undefined {
    return this.handlers.get(name);
  }

  names(): string[] {
    return [...this.handlers.keys()];
  }

  /** Two handlers for one event would make the command mean whichever registered last: refused at start-up. */
  private add(handler: StreamCommandHandler): void {
    const taken = this.handlers.get(handler.name);
    if (taken) throw new Error(`socket command '${handler.name}' has two handlers: ${taken.source} and ${handler.source}`);
    this.handlers.set(handler.name, handler);
  }
}
