import { IsInt, IsOptional, Max, Min } from 'class-validator';

/** `context.demo` knobs the demo agents read (docs/protocol.md §4). */
export class DemoOptions {
  @IsOptional() @IsInt() @Min(1) @Max(50)
  steps?: number;

  @IsOptional() @IsInt() @Min(0) @Max(60_000)
  stepDelayMs?: number;

  @IsOptional() @IsInt() @Min(1)
  failAtStep?: number;

  @IsOptional() @IsInt() @Min(1)
  askAtStep?: number;

  @IsOptional() @IsInt() @Min(1)
  questionTimeoutMs?: number;

  /** That step (from 1) streams a generated text as `output` deltas. */
  @IsOptional() @IsInt() @Min(1)
  streamAtStep?: number;

  @IsOptional() @IsInt() @Min(1) @Max(1000)
  tokensPerSecond?: number;

  @IsOptional() @IsInt() @Min(1) @Max(100_000)
  streamTokens?: number;
}

export const DEMO_DEFAULTS = { steps: 3, stepDelayMs: 300, questionTimeoutMs: 300_000, tokensPerSecond: 40, streamTokens: 200 } as const;
