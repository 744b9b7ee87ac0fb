/**
 * What access decisions read about one account: its infrastructure apps, the policies they link to,
 * and the Access groups those policies' `group` rules name. Loaded by the caller for each request (or
 * cached by it); the evaluation only reads it.
 */
import type { AccessGroupRecord, InfrastructureAppRecord, PolicyRecord } from '../records.js';

export interface AccessCatalog {
  apps: readonly InfrastructureAppRecord[];
  /** By policy id; apps' `policies` links refer to these (a link to a missing policy grants nothing). */
  policies: ReadonlyMap<string, PolicyRecord>;
  /** By group id. */
  groups: ReadonlyMap<string, AccessGroupRecord>;
}
