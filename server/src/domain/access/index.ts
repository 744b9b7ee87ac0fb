/** The access server's pure access evaluation: who a person is, which rules and policies match, what they may reach. */
export * from './access-catalog.js';
export * from './evaluate-access.js';
export * from './evaluate-policy.js';
export * from './person.js';
export * from './rule-matches.js';
