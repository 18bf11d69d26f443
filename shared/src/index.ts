export * from './acquisition/index.js';
export * from './augment/index.js';
export * from './colormaps/index.js';
export * from './image/index.js';
export * from './metrics/index.js';
export * from './objects/index.js';
export * from './patches/index.js';
export * from './random/index.js';
