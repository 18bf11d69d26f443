export * from './confusion.js';
export * from './segmentation-metrics.js';
