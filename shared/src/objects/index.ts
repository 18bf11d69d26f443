export * from './connected-components.js';
