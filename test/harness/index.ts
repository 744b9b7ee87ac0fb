/**
 * The real-sshd test harness: what every end-to-end suite uses to start a private sshd, make test UNIX users,
 * run the real ssh client and ssh-keygen, and clean up everything it started, even when a test fails.
 * Register test/support/harness-cleanup.ts as a mocha root hook (it is, in .mocharc.json) to scope cleanup
 * to tests and describe blocks.
 */
export * from './cleanup.js';
export * from './network.js';
export * from './oidc-provider.js';
export * from './processes.js';
export * from './public-key-probe.js';
export * from './run-command.js';
export * from './ssh-client.js';
export * from './ssh-keygen.js';
export * from './sshd.js';
export * from './temp-dir.js';
export * from './unix-users.js';
export * from './eventually.js';
