/** The agent daemon's side of session recording: the socket recorders stream to, and the spool on disk. */
export * from './spool-server.js';
export * from './spool-store.js';
