-- Initial schema. Migrations are append-only: never edit a released file, add 0002-….sql instead.
-- File paths are relative to the project folder so a project can be moved.

CREATE TABLE slides (
  id          TEXT PRIMARY KEY,
  name        TEXT NOT NULL,
  source_path TEXT NOT NULL,            -- what the user gave (absolute)
  read_path   TEXT NOT NULL,            -- what the daemon reads: source_path, or a converted pyramid under the project
  width       INTEGER NOT NULL CHECK (width > 0),
  height      INTEGER NOT NULL CHECK (height > 0),
  format      TEXT NOT NULL,
  created_at  TEXT NOT NULL
);

CREATE TABLE annotations (
  id                TEXT PRIMARY KEY,
  slide_id          TEXT NOT NULL REFERENCES slides(id) ON DELETE CASCADE,
  client_id         TEXT NOT NULL UNIQUE,   -- idempotency key from the viewer
  x                 INTEGER NOT NULL,
  y                 INTEGER NOT NULL,
  width             INTEGER NOT NULL,
  height            INTEGER NOT NULL,
  mask_path         TEXT NOT NULL,          -- 1-channel PNG, 0 / 255, region-sized
  foreground_pixels INTEGER NOT NULL,
  created_at        TEXT NOT NULL
);
CREATE INDEX annotations_by_slide ON annotations(slide_id);

-- Grid patches an annotation touches. Labels and the "annotated" weight mask are derived from the annotation
-- masks on demand, so nothing here can disagree with the mask files.
CREATE TABLE annotation_patches (
  annotation_id  TEXT NOT NULL REFERENCES annotations(id) ON DELETE CASCADE,
  slide_id       TEXT NOT NULL REFERENCES slides(id) ON DELETE CASCADE,
  col            INTEGER NOT NULL,
  row            INTEGER NOT NULL,
  size           INTEGER NOT NULL,
  covered_pixels INTEGER NOT NULL,
  PRIMARY KEY (annotation_id, col, row)
);
CREATE INDEX annotation_patches_by_cell ON annotation_patches(slide_id, col, row);

CREATE TABLE model_versions (
  version      INTEGER PRIMARY KEY,
  mode         TEXT NOT NULL,             -- finetune | scratch | import
  job_id       TEXT,
  metrics_json TEXT,
  created_at   TEXT NOT NULL
);

CREATE TABLE jobs (
  id             TEXT PRIMARY KEY,
  kind           TEXT NOT NULL CHECK (kind IN ('infer', 'train')),
  params_json    TEXT NOT NULL,
  state          TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed', 'cancelled')),
  progress_done  INTEGER NOT NULL DEFAULT 0,
  progress_total INTEGER NOT NULL DEFAULT 0,
  error_code     TEXT,
  error_message  TEXT,
  created_at     TEXT NOT NULL,
  started_at     TEXT,
  finished_at    TEXT
);
CREATE INDEX jobs_by_state ON jobs(state);

-- Per-patch acquisition scores of one inference run; map_path holds the quantised mean/std maps.
CREATE TABLE scores (
  slide_id      TEXT NOT NULL REFERENCES slides(id) ON DELETE CASCADE,
  model_version INTEGER NOT NULL,
  col           INTEGER NOT NULL,
  row           INTEGER NOT NULL,
  size          INTEGER NOT NULL,
  score         REAL NOT NULL,
  mean_fg       REAL NOT NULL,            -- patch average of the mean probability (coarse overlay levels)
  mean_std      REAL NOT NULL,            -- patch average of the MC std
  map_path      TEXT NOT NULL,
  created_at    TEXT NOT NULL,
  PRIMARY KEY (slide_id, model_version, col, row)
);
CREATE INDEX scores_by_rank ON scores(slide_id, model_version, score DESC);
