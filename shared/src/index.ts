export * from './errors/error-codes.js';
export * from './errors/latchkey-error.js';
export * from './session-log/index.js';
export * from './ssh/index.js';
export * from './api/index.js';
