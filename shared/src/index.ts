export * from './errors/error-codes.js';
export * from './errors/latchkey-error.js';
export * from './session-log/index.js';
export * from './ssh/index.js';
export * from './api/index.js';
export * from './client/index.js';
export * from './limits.js';
export * from './version.js';
export type { Clock } from './time/clock.js';
