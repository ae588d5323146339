import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * The `requests` table. The migration is the schema (synchronize is never
 * on): the DESC orderings and CHECKs exist only there.
 */
@Entity({ name: 'requests' })
@Index('requests_owner_created_at_idx', ['owner', 'createdAt'])
@Index('requests_status_created_at_idx', ['status', 'createdAt'])
@Index('requests_created_at_idx', ['createdAt'])
export class RequestEntity {
  @PrimaryColumn({ name: 'id', type: 'text' })
  id!: string;

  @Column({ name: 'owner', type: 'text' })
  owner!: string;

  @Column({ name: 'status', type: 'text' })
  status!: string;

  @Column({ name: 'user_query', type: 'text' })
  userQuery!: string;

  @Column({ name: 'context', type: 'json', default: () => "'{}'::json" })
  context!: Record<string, unknown>;

  @Column({ name: 'last_seq', type: 'integer', default: 0 })
  lastSeq!: number;

  /** The final result and error (`request.completed`); the state's lists live in request_agents/steps/questions. */
  @Column({ name: 'result', type: 'json', nullable: true })
  result!: unknown;

  @Column({ name: 'error', type: 'json', nullable: true })
  error!: unknown;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;
}
