export * from './errors/error-codes.js';
export * from './errors/latchkey-error.js';
