import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type * as wire from './wire';
import type * as dto from '.';

/**
 * True when the DTO class and the wire interface have the same fields, each
 * of the same type and optionality. `implements` alone lets a class add a
 * field or leave out an optional one; this does not.
 */
type SameShape<Class, Interface> = [Class] extends [Interface]
  ? [Interface] extends [Class]
    ? [Exclude<keyof Class, keyof Interface> | Exclude<keyof Interface, keyof Class>] extends [never]
      ? [{ [K in keyof Class]-?: undefined extends Class[K] ? K : never }[keyof Class]] extends [{ [K in keyof Interface]-?: undefined extends Interface[K] ? K : never }[keyof Interface]]
        ? true
        : false
      : false
    : false
  : false;

// Checked by `npm run typecheck`: a field added to a DTO class but not to its wire interface (or the other way round) fails it.
const sameShapes: Record<string, true> = {
  FieldError: true satisfies SameShape<dto.FieldError, wire.FieldError>,
  ErrorBody: true satisfies SameShape<dto.ErrorBody, wire.ErrorBody>,
  StartCommand: true satisfies SameShape<dto.StartCommand, wire.StartCommand>,
  CancelCommand: true satisfies SameShape<dto.CancelCommand, wire.CancelCommand>,
  FeedbackCommand: true satisfies SameShape<dto.FeedbackCommand, wire.FeedbackCommand>,
  RejoinCommand: true satisfies SameShape<dto.RejoinCommand, wire.RejoinCommand>,
  LeaveCommand: true satisfies SameShape<dto.LeaveCommand, wire.LeaveCommand>,
  RecordedEnvelope: true satisfies SameShape<dto.RecordedEnvelope, wire.RecordedEnvelope>,
  RecordedMessageEnvelope: true satisfies SameShape<dto.RecordedMessageEnvelope, wire.RecordedMessageEnvelope>,
  ProgressFields: true satisfies SameShape<dto.ProgressFields, wire.ProgressFields>,
  AgentCompletedFields: true satisfies SameShape<dto.AgentCompletedFields, wire.AgentCompletedFields>,
  QuestionFields: true satisfies SameShape<dto.QuestionFields, wire.QuestionFields>,
  AgentErrorFields: true satisfies SameShape<dto.AgentErrorFields, wire.AgentErrorFields>,
  RequestCompletedFields: true satisfies SameShape<dto.RequestCompletedFields, wire.RequestCompletedFields>,
  StatusFields: true satisfies SameShape<dto.StatusFields, wire.StatusFields>,
  OutputFields: true satisfies SameShape<dto.OutputFields, wire.OutputFields>,
  AgentSummary: true satisfies SameShape<dto.AgentSummary, wire.AgentSummary>,
  StepSummary: true satisfies SameShape<dto.StepSummary, wire.StepSummary>,
  PendingQuestion: true satisfies SameShape<dto.PendingQuestion, wire.PendingQuestion>,
  StateMessage: true satisfies SameShape<dto.StateMessage, wire.StateMessage>,
};

/** The contract files a browser bundle or the client package takes: `wire/` and the plain logic beside it. */
const PLAIN_FILES = [...readdirSync(join(__dirname, 'wire')).map((f) => `wire/${f}`), 'request-status.ts', 'request-projection.ts', 'request-snapshot.ts', 'output-text.ts'].filter(
  (f) => f.endsWith('.ts') && !f.endsWith('.spec.ts'),
);

describe('wire shapes: one source of truth, free of decorators', () => {
  it('every DTO class has a wire interface of the same shape (checked by the type check)', () => {
    expect(Object.values(sameShapes).every(Boolean)).toBe(true);
  });

  it.each(PLAIN_FILES)('%s imports only other plain contract files and declares no decorator', (file) => {
    const source = readFileSync(join(__dirname, file), 'utf8');
    const imported = [...source.matchAll(/from '([^']+)'/g)].map((m) => m[1]);
    for (const specifier of imported) {
      expect(specifier).toMatch(/^\.\.?\//);
      const target = join(file, '..', specifier).replace(/\\/g, '/');
      expect(PLAIN_FILES.some((plain) => plain === `${target}.ts` || plain === `${target}/index.ts`)).toBe(true);
    }
    expect(source).not.toMatch(/^\s*@\w+\(/m);
  });
});
