import { Injectable } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { IsString } from 'class-validator';
import { StreamCommand, type StreamCommandContext } from './stream-command';
import { StreamCommandRegistry } from './stream-command-registry';

class Payload {
  @IsString() requestId!: string;
}

@Injectable()
class Greetings {
  readonly prefix = 'hello';

  @StreamCommand('greet', { payload: Payload })
  greet({ requestId }: Payload, { principal }: StreamCommandContext) {
    return { text: `${this.prefix} ${principal.userId} about ${requestId}` };
  }

  @StreamCommand('whisper', { payload: Payload, checkRequestAccess: false })
  async whisper() {}

  notACommand() {
    return 'plain';
  }
}

@Injectable()
class MoreGreetings {
  @StreamCommand('greet', { payload: Payload })
  greet() {}
}

async function registryOf(...providers: Array<new (...args: never[]) => unknown>): Promise<StreamCommandRegistry> {
  const moduleRef = await Test.createTestingModule({ imports: [DiscoveryModule], providers: [StreamCommandRegistry, ...providers] }).compile();
  await moduleRef.init();
  return moduleRef.get(StreamCommandRegistry);
}

describe('StreamCommandRegistry', () => {
  it('finds every @StreamCommand method of the providers, bound to its instance, with its options', async () => {
    const registry = await registryOf(Greetings);
    expect(registry.names().sort()).toEqual(['greet', 'whisper']);
    const greet = registry.get('greet')!;
    expect(greet).toMatchObject({ name: 'greet', payload: Payload, checkRequestAccess: true, source: 'Greetings.greet' });
    expect(registry.get('whisper')!.checkRequestAccess).toBe(false);
    const context = { principal: { userId: 'u1', roles: [] }, socket: {} } as unknown as StreamCommandContext;
    expect(await greet.invoke({ requestId: 'r1' }, context)).toEqual({ text: 'hello u1 about r1' });
    expect(registry.get('notACommand')).toBeUndefined();
  });

  it('refuses two handlers for one name, naming both', async () => {
    await expect(registryOf(Greetings, MoreGreetings)).rejects.toThrow("socket command 'greet' has two handlers: Greetings.greet and MoreGreetings.greet");
  });

  it('refuses names that are not one word', () => {
    expect(() => StreamCommand('a.b', { payload: Payload })).toThrow(TypeError);
    expect(() => StreamCommand('', { payload: Payload })).toThrow(TypeError);
  });
});
