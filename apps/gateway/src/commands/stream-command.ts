import { DiscoveryService } from '@nestjs/core';
import type { Type } from '@nestjs/common';
import type { Socket } from 'socket.io';
import type { Principal } from '@app/auth';
import { EXTENSION_COMMAND_PATTERN } from '@app/contracts';
import type { RequestHeader } from '@app/persistence';

export interface StreamCommandOptions {
  /** The class-validator DTO the payload must satisfy (unknown fields are refused): else VALIDATION_FAILED with details. */
  payload: Type<object>;
  /**
   * Default true: when the validated payload has a `requestId`, the request
   * must exist (NOT_FOUND) and belong to the caller or the caller be an
   * admin (FORBIDDEN) before the handler runs; it gets the request in
   * `context.request`. False: the handler checks access itself (ours do, in
   * the transaction that changes the request).
   */
  checkRequestAccess?: boolean;
}

/** What a `@StreamCommand` handler gets besides its validated payload. */
export interface StreamCommandContext {
  /** The sender, from its verified token. */
  readonly principal: Principal;
  /** The Socket.IO socket the command came on. */
  readonly socket: Socket;
  /** The request the payload names, once access was checked (see `checkRequestAccess`). */
  readonly request?: RequestHeader;
}

/**
 * A handler's value becomes the ack's fields: `{ ok: true, ...value }`. A
 * thrown `CommandError` becomes `{ ok: false, error }` with its code; any
 * other error `UNAVAILABLE` (broker or database away) or `INTERNAL`.
 */
export type StreamCommandResult = Record<string, unknown> | void;

export interface StreamCommandMetadata extends StreamCommandOptions {
  name: string;
}

export const StreamCommandMeta = DiscoveryService.createDecorator<StreamCommandMetadata>();

/**
 * Makes a provider method the handler of the socket event `name`:
 * `(payload, context) => result`. It runs through the gateway's command
 * pipeline — the socket's rate limit, in order with the socket's other
 * commands, payload validation, the request access check, the ack, the
 * `agent_stream_commands_total` metric. One handler per name in the app.
 */
export function StreamCommand(name: string, options: StreamCommandOptions): MethodDecorator {
  if (!EXTENSION_COMMAND_PATTERN.test(name)) throw new TypeError(`@StreamCommand('${name}'): the name must match ${EXTENSION_COMMAND_PATTERN}`);
  return StreamCommandMeta({ name, ...options });
}
