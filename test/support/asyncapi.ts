import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';
import { AgentEventTypes, type RecordedMessage } from '@app/contracts';

export const ASYNCAPI_PATH = join(__dirname, '../../docs/asyncapi.yaml');

/** The parts of an AsyncAPI 3 document the checks read. */
export interface AsyncApiMessage {
  name: string;
  payload?: unknown;
  headers?: unknown;
}
export interface AsyncApiOperation {
  action: 'send' | 'receive';
  channel: { $ref: string };
  messages: Array<{ $ref: string }>;
  reply?: { messages: Array<{ $ref: string }> };
  description?: string;
  bindings?: { amqp?: { cc?: string[] } };
}
export interface AsyncApiDocument {
  asyncapi: string;
  channels: Record<string, { address: string; messages: Record<string, { $ref: string }> }>;
  operations: Record<string, AsyncApiOperation>;
  components: { messages: Record<string, AsyncApiMessage>; schemas: Record<string, any> };
}

/** The component message of each recorded type on the Socket.IO channel. */
export const SOCKET_MESSAGE_OF: Record<RecordedMessage['type'], string> = {
  progress: 'progress',
  'agent.completed': 'agentCompleted',
  question: 'question',
  error: 'agentError',
  'request.completed': 'requestCompleted',
  status: 'status',
  output: 'output',
};

/** The component message of an `agent.events` body, by its type. */
export function agentEventMessageOf(type: string): string {
  if (type.endsWith(AgentEventTypes.progressSuffix)) return 'progressEvent';
  if (type.endsWith(AgentEventTypes.outputSuffix)) return 'outputEvent';
  const byType: Record<string, string> = {
    [AgentEventTypes.completed]: 'agentCompletedEvent',
    [AgentEventTypes.question]: 'agentQuestionEvent',
    [AgentEventTypes.error]: 'agentErrorEvent',
    [AgentEventTypes.requestCompleted]: 'requestCompletedEvent',
  };
  if (!byType[type]) throw new Error(`no message for agent event type ${type}`);
  return byType[type];
}

/** Keys of the document's top level: not JSON Schema keywords, so declared for Ajv's strict mode. */
const DOCUMENT_KEYS = ['asyncapi', 'info', 'defaultContentType', 'servers', 'channels', 'operations', 'components'];

/**
 * docs/asyncapi.yaml with validators for its payload schemas. The whole
 * document is one Ajv schema, so `$ref: '#/components/schemas/…'` resolves
 * as AsyncAPI tools resolve it.
 */
export class AsyncApiSpec {
  readonly doc: AsyncApiDocument;
  private readonly ajv: Ajv;
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(readonly text = readFileSync(ASYNCAPI_PATH, 'utf8')) {
    this.doc = parse(text) as AsyncApiDocument;
    // strictTypes off: `allOf` parts refine properties without repeating `type`.
    this.ajv = new Ajv({ allErrors: true, strictTypes: false });
    addFormats(this.ajv);
    this.ajv.addVocabulary(DOCUMENT_KEYS);
    // AsyncAPI's `id` is the document's URN; Ajv would read it as a draft-04 schema id.
    const { id: _urn, ...asSchema } = this.doc as AsyncApiDocument & { id?: string };
    this.ajv.addSchema(asSchema, 'asyncapi');
  }

  /** Follows a local `$ref` (`#/a/b`) to what it points at. */
  resolve<T = any>(ref: string): T {
    if (!ref.startsWith('#/')) throw new Error(`not a local $ref: ${ref}`);
    return ref
      .slice(2)
      .split('/')
      .reduce<any>((node, part) => {
        const value = node?.[part.replace(/~1/g, '/').replace(/~0/g, '~')];
        if (value === undefined) throw new Error(`$ref ${ref} does not resolve`);
        return value;
      }, this.doc);
  }

  /** A validator for the schema at a JSON pointer of the document (e.g. `#/components/schemas/StartCommand`). */
  validator(pointer: string): ValidateFunction {
    let validate = this.compiled.get(pointer);
    if (!validate) {
      this.resolve(pointer); // a clear error for a wrong pointer
      validate = this.ajv.compile({ $ref: `asyncapi${pointer}` });
      this.compiled.set(pointer, validate);
    }
    return validate;
  }

  /** Errors of `value` against a component message's payload (empty: valid). */
  payloadErrors(messageKey: string, value: unknown): string[] {
    if (!this.doc.components.messages[messageKey]) throw new Error(`no message '${messageKey}' in the document`);
    return this.errors(`#/components/messages/${messageKey}/payload`, value);
  }

  /** Errors of a recorded message (live, replayed or fanned out) against its Socket.IO message. */
  recordedMessageErrors(message: RecordedMessage): string[] {
    return this.payloadErrors(SOCKET_MESSAGE_OF[message.type], message);
  }

  errors(pointer: string, value: unknown): string[] {
    const validate = this.validator(pointer);
    return validate(value) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '(root)'} ${e.message}`);
  }

  /** Component messages of one operation (with its reply's when `reply`). */
  operationMessages(operationId: string, reply = false): AsyncApiMessage[] {
    const operation = this.doc.operations[operationId];
    if (!operation) throw new Error(`no operation '${operationId}'`);
    const refs = reply ? (operation.reply?.messages ?? []) : operation.messages;
    return refs.map((r) => this.resolve<AsyncApiMessage>(this.resolve<{ $ref: string }>(r.$ref).$ref));
  }

  /** The component message key behind a channel message ref. */
  componentKeyOf(channelMessageRef: string): string {
    return this.resolve<{ $ref: string }>(channelMessageRef).$ref.split('/').pop() as string;
  }
}
