export * from './apply-colormap.js';
export * from './viridis.js';
