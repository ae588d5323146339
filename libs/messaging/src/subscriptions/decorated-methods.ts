import type { DiscoveryService, MetadataScanner } from '@nestjs/core';
import type { DiscoverableDecorator } from '@nestjs/core/discovery/discovery-service';
import type { InstanceWrapper } from '@nestjs/core/injector/instance-wrapper';

export interface DecoratedMethod<M> {
  /** The provider instance; call `instance[methodName]` on it. */
  instance: Record<string, (...args: unknown[]) => unknown>;
  methodName: string;
  /** What the decorator stored. */
  metadata: M;
  /** `<Module>.<Class>.<method>`: stable across restarts, for queue names and logs. */
  qualifiedName: string;
}

/**
 * Every provider method that carries `decorator`'s metadata, in every module
 * of the app: how explorers find handlers (the way @nestjs/schedule finds
 * `@Cron`). Request-scoped providers have no single instance to call: refused.
 */
export function findDecoratedMethods<M>(discovery: DiscoveryService, scanner: MetadataScanner, decorator: DiscoverableDecorator<M>): DecoratedMethod<M>[] {
  const found: DecoratedMethod<M>[] = [];
  for (const wrapper of discovery.getProviders() as InstanceWrapper[]) {
    const instance = wrapper.instance as Record<string, (...args: unknown[]) => unknown> | undefined;
    if (!instance || typeof instance !== 'object') continue;
    const prototype = Object.getPrototypeOf(instance) as object;
    for (const methodName of scanner.getAllMethodNames(prototype)) {
      const metadata = discovery.getMetadataByDecorator(decorator, wrapper, methodName) as M | undefined;
      if (metadata === undefined) continue;
      const className = instance.constructor.name;
      if (!wrapper.isDependencyTreeStatic()) throw new Error(`${className}.${methodName}: handlers must be on singleton (not request-scoped) providers`);
      found.push({ instance, methodName, metadata, qualifiedName: `${wrapper.host?.name ?? 'app'}.${className}.${methodName}` });
    }
  }
  return found;
}
