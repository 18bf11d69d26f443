-- How each trained model version came to be, and whether training made it current (the promotion rule: a version
-- whose validation Dice is below the then-current model's on the same validation patches is kept but not promoted).
-- Which version is current now is not stored here: it is `<project>/models/current.json`, beside the bundles, which
-- the engine (and every fleet worker) reads without the database.
ALTER TABLE model_versions ADD COLUMN parent_version INTEGER;            -- fine-tune: the version it started from
ALTER TABLE model_versions ADD COLUMN annotations_used INTEGER;          -- annotations in the project at training time
ALTER TABLE model_versions ADD COLUMN val_dice REAL;                     -- best-epoch validation Dice; NULL = no validation set
ALTER TABLE model_versions ADD COLUMN compared_version INTEGER;          -- the model current when training ended
ALTER TABLE model_versions ADD COLUMN compared_val_dice REAL;            -- its Dice on the same validation patches
ALTER TABLE model_versions ADD COLUMN promoted INTEGER NOT NULL DEFAULT 1 CHECK (promoted IN (0, 1));
ALTER TABLE model_versions ADD COLUMN warning TEXT;
-- A job that ended `done` with something to tell (its model was not promoted).
ALTER TABLE jobs ADD COLUMN warning TEXT;
