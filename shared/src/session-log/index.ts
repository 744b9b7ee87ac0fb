export * from './hpke-base.js';
export * from './auditor-keys.js';
export * from './log-packet.js';
export * from './log-metadata.js';
export * from './log-records.js';
export * from './session-log-writer.js';
export * from './session-log-reader.js';
export * from './outputs/index.js';
