export * from './cut-patches.js';
export * from './data-error.js';
export * from './data-file-name.js';
export * from './downscale.js';
export * from './load-dataset.js';
export * from './mask-mapping.js';
export * from './normalization.js';
export * from './read-image.js';
