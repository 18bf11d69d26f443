import type { ErrorCode, JobKind, JobState } from '@activeseg/protocol';
import type { Db } from './sqlite.js';

export interface JobRecord {
  id: string;
  kind: JobKind;
  /** The StartJobRequest as accepted, kept so a job's inputs are auditable. */
  params: unknown;
  state: JobState;
  progressDone: number;
  progressTotal: number;
  errorCode: ErrorCode | null;
  errorMessage: string | null;
  /** Set when a job ended `done` with something to tell (its trained model was not promoted). */
  warning?: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

export interface JobsRepo {
  insert(job: JobRecord): void;
  get(id: string): JobRecord | undefined;
  setState(
    id: string,
    state: JobState,
    at: string,
    error?: { code: ErrorCode; message: string },
    warning?: string,
  ): void;
  setProgress(id: string, done: number, total: number): void;
  /** Marks every job left `running` or `queued` by a previous process as failed. Returns their ids. */
  failInterrupted(at: string, code: ErrorCode, message: string): string[];
  /** Ids of queued or running jobs whose request names this slide. */
  activeForSlide(slideId: string): string[];
}

interface Row {
  id: string;
  kind: JobKind;
  params_json: string;
  state: JobState;
  progress_done: number;
  progress_total: number;
  error_code: ErrorCode | null;
  error_message: string | null;
  warning: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
}

const toRecord = (r: Row): JobRecord => ({
  id: r.id,
  kind: r.kind,
  params: JSON.parse(r.params_json) as unknown,
  state: r.state,
  progressDone: r.progress_done,
  progressTotal: r.progress_total,
  errorCode: r.error_code,
  errorMessage: r.error_message,
  warning: r.warning,
  createdAt: r.created_at,
  startedAt: r.started_at,
  finishedAt: r.finished_at,
});

export function createJobsRepo(db: Db): JobsRepo {
  const insert = db.prepare(
    `INSERT INTO jobs (id, kind, params_json, state, progress_done, progress_total, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
  );
  const get = db.prepare<[string], Row>('SELECT * FROM jobs WHERE id = ?');
  const setRunning = db.prepare("UPDATE jobs SET state = 'running', started_at = ? WHERE id = ?");
  const setFinal = db.prepare(
    'UPDATE jobs SET state = ?, finished_at = ?, error_code = ?, error_message = ?, warning = ? WHERE id = ?',
  );
  const setProgress = db.prepare('UPDATE jobs SET progress_done = ?, progress_total = ? WHERE id = ?');
  const interrupted = db.prepare<[], { id: string }>("SELECT id FROM jobs WHERE state IN ('running', 'queued')");
  const activeForSlide = db.prepare<[string], { id: string }>(
    "SELECT id FROM jobs WHERE state IN ('running', 'queued') AND json_extract(params_json, '$.slideId') = ?",
  );
  return {
    insert: (j) =>
      void insert.run(j.id, j.kind, JSON.stringify(j.params), j.state, j.progressDone, j.progressTotal, j.createdAt),
    get: (id) => {
      const r = get.get(id);
      return r && toRecord(r);
    },
    setState: (id, state, at, error, warning) => {
      if (state === 'running') setRunning.run(at, id);
      else if (state === 'queued') throw new Error('a job cannot go back to queued');
      else setFinal.run(state, at, error?.code ?? null, error?.message ?? null, warning ?? null, id);
    },
    setProgress: (id, done, total) => void setProgress.run(done, total, id),
    activeForSlide: (slideId) => activeForSlide.all(slideId).map((r) => r.id),
    failInterrupted: db.transaction((at: string, code: ErrorCode, message: string) => {
      const ids = interrupted.all().map((r) => r.id);
      for (const id of ids) setFinal.run('failed', at, code, message, null, id);
      return ids;
    }),
  };
}
