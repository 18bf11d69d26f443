-- Physical pixel size (µm, level 0) from OME metadata or given when the slide was added; NULL when unknown.
-- warnings: JSON array of strings about how the slide is read (e.g. OME-Zarr chunks missing, read as fill); NULL = none.
ALTER TABLE slides ADD COLUMN pixel_size_x_um REAL CHECK (pixel_size_x_um > 0);
ALTER TABLE slides ADD COLUMN pixel_size_y_um REAL CHECK (pixel_size_y_um > 0);
ALTER TABLE slides ADD COLUMN warnings TEXT;
