-- Learning measured on the user's own slide (issue #13). Kept beside `annotations`, one row per annotation, so an
-- annotation's cost and its pre-annotation score never change the annotation itself.
-- model_version: the version whose prediction the person saw (NULL: not told, never scored).
-- tp/fp/fn/tn: that version's thresholded prediction against the new label on the annotated pixels only; NULL while
-- the prediction for some cell of the region does not exist yet (scored when it appears).
CREATE TABLE annotation_learning (
  annotation_id  TEXT PRIMARY KEY REFERENCES annotations(id) ON DELETE CASCADE,
  slide_id       TEXT NOT NULL REFERENCES slides(id) ON DELETE CASCADE,
  model_version  INTEGER CHECK (model_version >= 0),
  active_seconds REAL CHECK (active_seconds >= 0),
  strokes        INTEGER CHECK (strokes >= 0),
  source         TEXT NOT NULL CHECK (source IN ('uncertainty', 'random-probe', 'user')),
  objects        INTEGER NOT NULL CHECK (objects >= 0),
  tp             REAL,
  fp             REAL,
  fn             REAL,
  tn             REAL,
  scored_at      TEXT
);
CREATE INDEX annotation_learning_by_slide ON annotation_learning(slide_id);

-- Cells the suggestion list served as random probes; an annotation touching one is a probe whatever the client says.
CREATE TABLE probe_cells (
  slide_id      TEXT NOT NULL REFERENCES slides(id) ON DELETE CASCADE,
  col           INTEGER NOT NULL,
  row           INTEGER NOT NULL,
  model_version INTEGER NOT NULL,
  served_at     TEXT NOT NULL,
  PRIMARY KEY (slide_id, col, row)
);

-- Per-project settings (probeRate, probeSeed, …) as JSON values, so a setting outlives the daemon process.
CREATE TABLE project_settings (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
