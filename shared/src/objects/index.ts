export * from './connected-components.js';
export * from './count-objects.js';
