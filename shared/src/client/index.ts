export * from './device-sign-in.js';
export * from './envelope-answer.js';
export * from './error-for-status.js';
export * from './login-username.js';
export * from './server-url.js';
export * from './signed-in-tokens.js';
export * from './upgrade-refusal.js';
