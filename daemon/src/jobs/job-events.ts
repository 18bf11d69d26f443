import type { UnsequencedServerMessage } from '@activeseg/protocol';

/** What a job announces while it runs: state changes, progress, re-scored overlay regions, fresh suggestions. */
export type JobEvent = Extract<
  UnsequencedServerMessage,
  { type: 'job.state' | 'job.progress' | 'tiles.updated' | 'suggestions.updated' | 'model.added' | 'model.current' }
>;

/**
 * Where jobs report. Injected, so that jobs (and the fleet queue) know nothing of the transport: the server
 * implements it by broadcasting each event on the WebSocket hub, a fleet worker by dropping them.
 */
export interface JobEventSink {
  emit(event: JobEvent): void;
}
