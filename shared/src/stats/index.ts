export * from './bootstrap-ci.js';
export * from './mean-difference-ci.js';
export * from './paired-verdict.js';
export * from './probe-estimate.js';
export * from './rank-agreement.js';
export * from './stop-rule.js';
