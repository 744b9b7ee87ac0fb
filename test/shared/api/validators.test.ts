import assert from 'node:assert/strict';
import {
  AccessRuleSchema,
  auditPublicKeyProblem,
  checkAgainstSchema,
  hostnameProblem,
  isCidr,
  normaliseIp,
  parseAppInput,
  parseTargetInput,
  unixUsernameProblem,
} from '@latchkey/shared';

describe('shared/api validators', () => {
  const hostnames: [string, boolean][] = [
    ['web-1', true],
    ['Web-1.Example.COM', true],
    ['a', true],
    ['1', true],
    ['a'.repeat(253), true],
    ['a'.repeat(254), false],
    ['', false],
    ['-a', false],
    ['a-', false],
    ['.a', false],
    ['a.', false],
    ['a b', false],
    ['a_b', false],
    ['ä', false],
    ['a..b', false],
    ['web-1..example.com', false],
    ['a.b.c', true],
  ];
  for (const [hostname, ok] of hostnames) {
    it(`hostname ${JSON.stringify(hostname.length > 20 ? `${hostname.slice(0, 5)}…(${hostname.length})` : hostname)} is ${ok ? 'valid' : 'refused'}`, () => {
      assert.equal(hostnameProblem(hostname) === undefined, ok);
    });
  }

  const ips: [string, string | undefined][] = [
    ['10.0.0.1', '10.0.0.1'],
    ['255.255.255.255', '255.255.255.255'],
    ['256.0.0.1', undefined],
    ['10.0.0', undefined],
    ['10.0.0.01', undefined],
    ['0x0a.0.0.1', undefined],
    ['::1', '::1'],
    ['2001:DB8:0:0:0:0:0:1', '2001:db8::1'],
    ['::ffff:10.0.0.1', '::ffff:a00:1'],
    ['fe80::1%eth0', undefined],
    ['2001:db8::g', undefined],
    ['', undefined],
  ];
  for (const [text, normalised] of ips) {
    it(`IP ${JSON.stringify(text)} → ${normalised ?? 'refused'}`, () => {
      assert.equal(normaliseIp(text)?.address, normalised);
    });
  }

  it('CIDR ranges', () => {
    for (const ok of ['10.0.0.0/8', '0.0.0.0/0', '10.0.0.1', '2001:db8::/32', '::/0', '::1/128'])
      assert.ok(isCidr(ok), ok);
    for (const bad of ['10.0.0.0/33', '10.0.0.0/', '10.0.0.0/08', '::/129', 'office', '10.0.0.0/8/8']) {
      assert.ok(!isCidr(bad), bad);
    }
  });

  it('UNIX usernames', () => {
    for (const ok of ['root', 'ec2-user', '_svc', 'a.b', 'machine$', 'A1'])
      assert.equal(unixUsernameProblem(ok), undefined, ok);
    for (const bad of ['', '1abc', '-x', 'a b', 'a:b', 'a/b', 'a'.repeat(33), 'é']) {
      assert.notEqual(unixUsernameProblem(bad), undefined, bad);
    }
  });

  it('audit public keys: "" or base64 of exactly 32 bytes', () => {
    assert.equal(auditPublicKeyProblem(''), undefined);
    assert.equal(auditPublicKeyProblem(Buffer.alloc(32, 255).toString('base64')), undefined);
    assert.match(auditPublicKeyProblem(Buffer.alloc(16).toString('base64')) ?? '', /16 bytes/);
    assert.match(auditPublicKeyProblem('@@@@') ?? '', /not base64/);
  });

  it('a rule has exactly one known selector, reported at the rule', () => {
    assert.throws(
      () => checkAgainstSchema(AccessRuleSchema, { github: {} }, { basePointer: '/include/2' }),
      (error: { pointer?: string; message: string }) =>
        error.pointer === '/include/2' && /unknown selector "github"/.test(error.message),
    );
  });

  it('clients can parse bodies before sending them', () => {
    assert.deepEqual(parseTargetInput({ hostname: 'h', ip: { ipv6: { ip_addr: '2001:DB8::1' } } }), {
      hostname: 'h',
      ipv6: { address: '2001:db8::1' },
    });
    assert.throws(() => parseTargetInput({ hostname: 'h', ip: {} }), /at least one/);
    assert.throws(
      () =>
        parseAppInput({
          name: 'x',
          type: 'infrastructure',
          target_criteria: [{ target_attributes: { hostname: ['h'] }, port: 22, protocol: 'SSH' }],
          policies: [
            {
              name: 'p',
              decision: 'allow',
              include: [{ nope: {} }],
              connection_rules: { ssh: { usernames: ['a'] } },
            },
          ],
        }),
      /\/policies\/0\/include\/0: unknown selector "nope"/,
    );
  });

  it('connection_rules.ssh takes the Latchkey forwarding booleans (optional, booleans only)', () => {
    const appWith = (ssh: Record<string, unknown>) => ({
      name: 'x',
      type: 'infrastructure',
      target_criteria: [{ target_attributes: { hostname: ['h'] }, port: 22, protocol: 'SSH' }],
      policies: [{ name: 'p', decision: 'allow', include: [{ everyone: {} }], connection_rules: { ssh } }],
    });
    const ssh = { usernames: ['a'], allow_agent_forwarding: true, allow_port_forwarding: false };
    const parsed = parseAppInput(appWith(ssh));
    const inline = parsed.policies[0];
    assert.ok(inline?.kind === 'inline');
    assert.deepEqual(inline.policy.connectionRules?.ssh, ssh);
    assert.doesNotThrow(() => parseAppInput(appWith({ usernames: ['a'] })));
    assert.throws(
      () => parseAppInput(appWith({ usernames: ['a'], allow_agent_forwarding: 'yes' })),
      /allow_agent_forwarding/,
    );
  });
});
