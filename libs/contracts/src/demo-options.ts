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
}

export const DEMO_DEFAULTS = { steps: 3, stepDelayMs: 300, questionTimeoutMs: 300_000 } as const;
