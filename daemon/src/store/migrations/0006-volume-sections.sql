-- Volumes: a slide may have z sections (OME-Zarr z axis, multi-page TIFF stack, folder of same-sized sections).
-- Every existing row is a 2D slide, i.e. section 0 of a one-section slide, so old projects keep working unchanged.
ALTER TABLE slides ADD COLUMN sections INTEGER NOT NULL DEFAULT 1 CHECK (sections > 0);
ALTER TABLE annotations ADD COLUMN z INTEGER NOT NULL DEFAULT 0 CHECK (z >= 0);
-- A patch row's section is its annotation's (denormalised, like slide_id, for the per-cell lookups).
ALTER TABLE annotation_patches ADD COLUMN z INTEGER NOT NULL DEFAULT 0 CHECK (z >= 0);
CREATE INDEX annotation_patches_by_section_cell ON annotation_patches(slide_id, z, col, row);

-- The section joins the scores' key; SQLite cannot change a primary key in place, so the table is rebuilt.
CREATE TABLE scores_0006 (
  slide_id      TEXT NOT NULL REFERENCES slides(id) ON DELETE CASCADE,
  model_version INTEGER NOT NULL,
  z             INTEGER NOT NULL DEFAULT 0 CHECK (z >= 0),
  col           INTEGER NOT NULL,
  row           INTEGER NOT NULL,
  size          INTEGER NOT NULL,
  score         REAL NOT NULL,
  mean_fg       REAL NOT NULL,
  mean_std      REAL NOT NULL,
  map_path      TEXT NOT NULL,
  created_at    TEXT NOT NULL,
  PRIMARY KEY (slide_id, model_version, z, col, row)
);
INSERT INTO scores_0006 (slide_id, model_version, z, col, row, size, score, mean_fg, mean_std, map_path, created_at)
  SELECT slide_id, model_version, 0, col, row, size, score, mean_fg, mean_std, map_path, created_at FROM scores;
DROP TABLE scores;
ALTER TABLE scores_0006 RENAME TO scores;
CREATE INDEX scores_by_rank ON scores(slide_id, model_version, score DESC);
