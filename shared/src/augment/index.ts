export * from './apply-affine.js';
export * from './augment-pair.js';
export * from './compose-affine.js';
export * from './random-affine.js';
