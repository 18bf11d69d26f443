export * from './learning-plot.js';
