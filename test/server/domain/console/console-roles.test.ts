import assert from 'node:assert/strict';
import {
  AUDITOR_PERMISSIONS,
  consolePermissions,
  pagesFor,
} from '../../../../server/src/domain/console/console-roles.js';
import { ALL_PERMISSIONS, PERMISSIONS } from '../../../../server/src/domain/permissions.js';

describe('console roles', () => {
  it('latchkey-admins holds every permission; latchkey-auditors reads logs, the audit log, the CA and the log key', () => {
    assert.deepEqual(consolePermissions(['latchkey-admins']), [...ALL_PERMISSIONS]);
    assert.deepEqual(consolePermissions(['Latchkey-Auditors ']), [...AUDITOR_PERMISSIONS]);
    assert.deepEqual(
      pagesFor(consolePermissions(['latchkey-auditors'])).map((page) => page.path),
      ['/console/logs', '/console/audit', '/console/ssh-ca', '/console/log-key'],
    );
  });

  it('latchkey-permission:<permission> gives that one, spelled as tokens create takes it', () => {
    assert.deepEqual(consolePermissions(['latchkey-permission:zero trust edit']), [
      PERMISSIONS.zeroTrustEdit,
    ]);
    assert.deepEqual(
      pagesFor(consolePermissions(['latchkey-permission:Zero Trust: Edit'])).map((page) => page.path),
      [
        '/console/targets',
        '/console/sessions',
        '/console/networks',
        '/console/agents',
        '/console/people',
        '/console/join-tokens',
      ],
      'Edit implies Read',
    );
  });

  it('Zero Trust: Read shows agents but not join tokens (listing them needs Edit, as in the API)', () => {
    assert.deepEqual(
      pagesFor(consolePermissions(['latchkey-permission:Zero Trust: Read'])).map((page) => page.path),
      ['/console/targets', '/console/sessions', '/console/networks', '/console/agents', '/console/people'],
    );
  });

  it('Access: Apps and Policies: Read shows apps, policies and access groups', () => {
    assert.deepEqual(
      pagesFor(consolePermissions(['latchkey-permission:access-apps-and-policies-read'])).map(
        (page) => page.path,
      ),
      ['/console/apps', '/console/policies', '/console/groups'],
    );
  });

  it('other groups, and a misspelt permission, give nothing', () => {
    assert.deepEqual(consolePermissions(['developers', 'latchkey-permission:root', 'admins']), []);
    assert.deepEqual(pagesFor([]), []);
  });
});
