/**
 * What the CLI end-to-end suites sign in to and reach: an access server (HTTP on 127.0.0.1) with a built-in
 * account for each person, a real sshd that trusts the account's SSH CA (its public key written to
 * `<dir>/ca.pub`), a test UNIX user, a target at the sshd's address, and an infrastructure app on the
 * sshd's port whose one policy lets one person in as that user. The caller stops what it gets back (sshd,
 * then the user, then the server); if setting up fails half-way, what was started is stopped here.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { createTestUser, removeTestUser, startSshd } from '../../harness/index.js';
import type { RunningSshd, TempDir, TestUser } from '../../harness/index.js';
import { startTestServer } from '../../server/support/test-server.js';
import type { TestServer } from '../../server/support/test-server.js';

export interface Person {
  readonly email: string;
  readonly password: string;
}

export interface SshAccess {
  readonly server: TestServer;
  readonly sshd: RunningSshd;
  readonly user: TestUser;
}

export async function startSshAccess(
  dir: TempDir,
  options: {
    /** The target's hostname, which the app's criteria name. */
    hostname: string;
    /** Everyone who gets a built-in account, in this order. */
    people: readonly Person[];
    /** The one the app's policy allows (the policy is named after the part of the email before the @). */
    allowed: Person;
    /** The policy's ssh connection rules beside `usernames` (the test user's name). */
    sshRules?: Record<string, unknown>;
  },
): Promise<SshAccess> {
  const server = await startTestServer({ listen: true });
  let user: TestUser | undefined;
  let sshd: RunningSshd | undefined;
  try {
    for (const person of options.people) await server.addUser(person.email, person.password);
    const ca = await server.call('POST', `${server.base}/access/gateway_ca`);
    assert.equal(ca.status, 200, JSON.stringify(ca.body));
    await writeFile(dir.file('ca.pub'), `${ca.body.result.public_key}\n`);
    user = await createTestUser();
    sshd = await startSshd({ settings: { TrustedUserCAKeys: dir.file('ca.pub') } });
    const target = await server.call('POST', `${server.base}/infrastructure/targets`, {
      body: { hostname: options.hostname, ip: { ipv4: { ip_addr: sshd.host } } },
    });
    assert.equal(target.status, 200, JSON.stringify(target.body));
    const app = await server.call('POST', `${server.base}/access/apps`, {
      body: {
        name: 'web servers',
        type: 'infrastructure',
        target_criteria: [
          { target_attributes: { hostname: [options.hostname] }, port: sshd.port, protocol: 'SSH' },
        ],
        policies: [
          {
            name: options.allowed.email.split('@')[0],
            decision: 'allow',
            include: [{ email: { email: options.allowed.email } }],
            connection_rules: { ssh: { usernames: [user.name], ...options.sshRules } },
          },
        ],
      },
    });
    assert.equal(app.status, 200, JSON.stringify(app.body));
    return { server, sshd, user };
  } catch (error) {
    await sshd?.stop();
    if (user) await removeTestUser(user);
    await server.close();
    throw error;
  }
}
