import type { Db } from './sqlite.js';

export interface ModelVersionRecord {
  version: number;
  mode: string;
  jobId: string | null;
  metrics: Record<string, number> | null;
  createdAt: string;
}

export interface ModelVersionsRepo {
  insert(record: ModelVersionRecord): void;
  latest(): ModelVersionRecord | undefined;
  list(): ModelVersionRecord[];
}

interface Row {
  version: number;
  mode: string;
  job_id: string | null;
  metrics_json: string | null;
  created_at: string;
}

const toRecord = (r: Row): ModelVersionRecord => ({
  version: r.version,
  mode: r.mode,
  jobId: r.job_id,
  metrics: r.metrics_json === null ? null : (JSON.parse(r.metrics_json) as Record<string, number>),
  createdAt: r.created_at,
});

export function createModelVersionsRepo(db: Db): ModelVersionsRepo {
  const insert = db.prepare(
    'INSERT INTO model_versions (version, mode, job_id, metrics_json, created_at) VALUES (?, ?, ?, ?, ?)',
  );
  const latest = db.prepare<[], Row>('SELECT * FROM model_versions ORDER BY version DESC LIMIT 1');
  const list = db.prepare<[], Row>('SELECT * FROM model_versions ORDER BY version');
  return {
    insert: (r) =>
      void insert.run(r.version, r.mode, r.jobId, r.metrics === null ? null : JSON.stringify(r.metrics), r.createdAt),
    latest: () => {
      const r = latest.get();
      return r && toRecord(r);
    },
    list: () => list.all().map(toRecord),
  };
}
