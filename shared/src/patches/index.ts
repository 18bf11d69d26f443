export * from './bounding-rect.js';
export * from './extract-patch.js';
export * from './patch-grid.js';
export * from './patch-id.js';
export * from './tile-pyramid.js';
export * from './tile-ranges.js';
