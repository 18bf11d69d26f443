-- Annotation versions. Editing an annotation stores a new row with `supersedes` = the old id; the old row stays as
-- history (its mask file too) with `superseded_by` set, and its annotation_patches rows are deleted in the same
-- transaction, so every query that joins annotation_patches (training cells, labels, suggestion exclusion) sees only
-- current versions. A history row's grid cells are recomputed from its region when needed.
ALTER TABLE annotations ADD COLUMN version INTEGER NOT NULL DEFAULT 1 CHECK (version >= 1);
ALTER TABLE annotations ADD COLUMN supersedes TEXT REFERENCES annotations(id) ON DELETE CASCADE;
ALTER TABLE annotations ADD COLUMN superseded_by TEXT;
CREATE INDEX annotations_by_supersedes ON annotations(supersedes);
