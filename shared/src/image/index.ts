export * from './affine-values.js';
export * from './create-image-like.js';
export * from './distance-transform.js';
export * from './reflect-pad.js';
export * from './scale-to-8-bit.js';
export * from './threshold.js';
export * from './to-grey.js';
export * from './types.js';
