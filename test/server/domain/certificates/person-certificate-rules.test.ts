// The rules that decide a person's certificate (server/src/domain/certificates/person-certificate-rules.ts):
// each modifier and validator on its own, then the fixed order in which the use case applies them.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { TARGET_BINDING_OPTION, generateSshKeyPair, parseSshPublicKey } from '@latchkey/shared';
import type { TargetAgent } from '../../../../server/src/domain/certificate-binding.js';
import {
  PERSON_CERTIFICATE_RULES,
  boundMeansNoForceCommand,
  boundToTheAgentsTarget,
  certificateContents,
  checkCertificateRequest,
  extensionsFromTheGrant,
  isBoundToTarget,
  keyIdNamesPersonAndSession,
  lifetimeFromTheSettings,
  lifetimeWithinTheCap,
  principalIsTheUsername,
  recordedAccountsCertifyOnlyRecordedLogins,
  recorderWhereNoAgent,
  subjectKeyIsNotTheCa,
  subjectKeyIsStrong,
  wantedLifetimeIsWholeSeconds,
  type CertificateDraft,
  type CertificateFacts,
  type CertificateModifier,
  type CertificateRequestFacts,
  type CertificateRule,
} from '../../../../server/src/domain/certificates/person-certificate-rules.js';
import { DEFAULT_SIGN_IN_SETTINGS } from '../../../../server/src/domain/sign-in-settings.js';
import { RSA_2048_PUBLIC_KEY } from '../../../support/fixed-keys.js';

const TARGET = '0A1B2C3D-0000-4000-8000-00000000000A';
const SESSION = '11111111-2222-4333-8444-555555555555';
const ca = generateSshKeyPair('ed25519').publicKey;
const ed25519 = generateSshKeyPair('ed25519').publicKey;
// 1024 bits: OpenSSH accepts it, Latchkey does not (shared's generator refuses to make one).
const weakRsa = parseSshPublicKey(rsaPublicKeyLine(1024));
const rsa2048 = parseSshPublicKey(RSA_2048_PUBLIC_KEY);

function rsaPublicKeyLine(bits: number): string {
  const jwk = generateKeyPairSync('rsa', { modulusLength: bits }).publicKey.export({ format: 'jwk' });
  const mpint = (b64url: string) => {
    const bytes = Buffer.from(b64url, 'base64url');
    return bytes[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes;
  };
  const field = (bytes: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    return Buffer.concat([length, bytes]);
  };
  const blob = Buffer.concat([field(Buffer.from('ssh-rsa')), field(mpint(jwk.e!)), field(mpint(jwk.n!))]);
  return `ssh-rsa ${blob.toString('base64')}`;
}

const EMPTY: CertificateDraft = {
  keyId: '',
  principals: [],
  validForSeconds: 0,
  backdateSeconds: 0,
  criticalOptions: {},
  extensions: {},
};

const AGENT: TargetAgent = {
  lastSeenAt: new Date(1000),
  heartbeat: { version: '0.1.0', distro: 'debian 12', sshdConfig: { state: 'trusted' } },
};

function facts(overrides: Partial<CertificateFacts> = {}): CertificateFacts {
  return {
    person: { email: 'ada@example.com' },
    sessionId: SESSION,
    username: 'deploy',
    grant: { allowAgentForwarding: false, allowPortForwarding: false, target: { id: TARGET } },
    targetAgents: [],
    recordsSessions: false,
    settings: DEFAULT_SIGN_IN_SETTINGS,
    ...overrides,
  };
}

function request(overrides: Partial<CertificateRequestFacts> = {}): CertificateRequestFacts {
  return { subjectKey: ed25519, caPublicKeys: [ca], ...overrides };
}

describe('server/domain: the rules of a person’s certificate', () => {
  describe('request validators', () => {
    it('wanted-lifetime-is-whole-seconds: absent or a positive integer passes, else invalid_argument', () => {
      for (const ok of [undefined, 1, 300, 10 ** 9]) {
        assert.equal(
          wantedLifetimeIsWholeSeconds.validate(request({ validSeconds: ok })),
          undefined,
          `${ok}`,
        );
      }
      for (const bad of [0, -5, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
        assert.deepEqual(wantedLifetimeIsWholeSeconds.validate(request({ validSeconds: bad })), {
          rule: 'wanted-lifetime-is-whole-seconds',
          code: 'invalid_argument',
          message: '/valid_seconds must be a positive whole number of seconds',
          pointer: '/valid_seconds',
        });
      }
    });

    it('subject-key-is-strong: RSA under 2048 bits is refused at /public_key; Ed25519 and RSA 2048 pass', () => {
      assert.equal(subjectKeyIsStrong.validate(request()), undefined);
      assert.equal(subjectKeyIsStrong.validate(request({ subjectKey: rsa2048 })), undefined);
      const refusal = subjectKeyIsStrong.validate(request({ subjectKey: weakRsa }));
      assert.equal(refusal?.code, 'invalid_argument');
      assert.equal(refusal?.pointer, '/public_key');
      assert.match(refusal?.message ?? '', /^\/public_key an RSA key of 1024 bits is too weak/);
    });

    it('subject-key-is-not-the-ca: the CA’s own key is refused; without a CA nothing is', () => {
      const refusal = subjectKeyIsNotTheCa.validate(request({ subjectKey: ca }));
      assert.equal(refusal?.rule, 'subject-key-is-not-the-ca');
      assert.equal(refusal?.code, 'invalid_argument');
      assert.match(refusal?.message ?? '', /^\/public_key is the account CA's own public key/);
      assert.equal(subjectKeyIsNotTheCa.validate(request({ subjectKey: ca, caPublicKeys: [] })), undefined);
      assert.equal(subjectKeyIsNotTheCa.validate(request()), undefined);
    });

    it('checkCertificateRequest: the first refusal in list order (the lifetime before the key)', () => {
      assert.equal(checkCertificateRequest(request()), undefined);
      assert.equal(
        checkCertificateRequest(request({ validSeconds: 0, subjectKey: weakRsa }))?.rule,
        'wanted-lifetime-is-whole-seconds',
      );
      assert.equal(checkCertificateRequest(request({ subjectKey: weakRsa }))?.rule, 'subject-key-is-strong');
    });
  });

  describe('modifiers', () => {
    it('key-id-names-person-and-session', () => {
      assert.equal(
        keyIdNamesPersonAndSession.modify(EMPTY, facts()).keyId,
        `ada@example.com session=${SESSION}`,
      );
    });

    it('principal-is-the-username', () => {
      assert.deepEqual(principalIsTheUsername.modify(EMPTY, facts()).principals, ['deploy']);
    });

    it('lifetime-from-the-settings: the wanted seconds, else the default, never beyond the cap', () => {
      const { certificateTtlSeconds, maxCertificateTtlSeconds, certificateBackdateSeconds } =
        DEFAULT_SIGN_IN_SETTINGS;
      const cases: [number | undefined, number][] = [
        [undefined, certificateTtlSeconds],
        [60, 60],
        [maxCertificateTtlSeconds, maxCertificateTtlSeconds],
        [maxCertificateTtlSeconds + 1, maxCertificateTtlSeconds],
      ];
      for (const [wanted, expected] of cases) {
        const draft = lifetimeFromTheSettings.modify(
          EMPTY,
          facts(wanted === undefined ? {} : { validSeconds: wanted }),
        );
        assert.equal(draft.validForSeconds, expected, `wanted ${wanted}`);
        assert.equal(draft.backdateSeconds, certificateBackdateSeconds);
      }
    });

    it('extensions-from-the-grant: a terminal always, forwarding only as granted', () => {
      const grant = (agent: boolean, port: boolean) => ({
        allowAgentForwarding: agent,
        allowPortForwarding: port,
        target: { id: TARGET },
      });
      const cases: [boolean, boolean, string[]][] = [
        [false, false, ['permit-pty']],
        [true, false, ['permit-pty', 'permit-agent-forwarding']],
        [false, true, ['permit-pty', 'permit-port-forwarding']],
        [true, true, ['permit-pty', 'permit-agent-forwarding', 'permit-port-forwarding']],
      ];
      for (const [agent, port, names] of cases) {
        const { extensions } = extensionsFromTheGrant.modify(EMPTY, facts({ grant: grant(agent, port) }));
        assert.deepEqual(Object.keys(extensions), names);
        assert.ok(
          Object.values(extensions).every((value) => value === ''),
          'flags are ""',
        );
      }
    });

    it('bound-to-the-agents-target: the lowercase target id with an agent, nothing without one', () => {
      assert.deepEqual(
        boundToTheAgentsTarget.modify(EMPTY, facts({ targetAgents: [AGENT] })).criticalOptions,
        {
          [TARGET_BINDING_OPTION]: TARGET.toLowerCase(),
        },
      );
      assert.deepEqual(boundToTheAgentsTarget.modify(EMPTY, facts()).criticalOptions, {});
    });

    it('recorder-where-no-agent: the recorder command only for a recorded target without an agent', () => {
      const options = (overrides: Partial<CertificateFacts>) =>
        recorderWhereNoAgent.modify(EMPTY, facts(overrides)).criticalOptions;
      assert.deepEqual(options({ recordsSessions: true }), {
        'force-command': DEFAULT_SIGN_IN_SETTINGS.recorderCommand,
      });
      assert.deepEqual(options({ recordsSessions: false }), {});
      assert.deepEqual(options({ recordsSessions: true, targetAgents: [AGENT] }), {});
    });

    it('modifiers keep what earlier ones set and do not change the draft they are given', () => {
      const before: CertificateDraft = { ...EMPTY, criticalOptions: { 'source-address': '10.0.0.0/8' } };
      const frozen = structuredClone(before);
      const after = recorderWhereNoAgent.modify(before, facts({ recordsSessions: true }));
      assert.deepEqual(before, frozen);
      assert.deepEqual(Object.keys(after.criticalOptions), ['source-address', 'force-command']);
    });
  });

  describe('content validators', () => {
    it('bound-means-no-force-command refuses the two together (internal)', () => {
      const both = {
        ...EMPTY,
        criticalOptions: { [TARGET_BINDING_OPTION]: TARGET, 'force-command': 'latchkey-agent record' },
      };
      assert.equal(boundMeansNoForceCommand.validate(both, facts())?.code, 'internal');
      assert.equal(
        boundMeansNoForceCommand.validate(
          { ...EMPTY, criticalOptions: { [TARGET_BINDING_OPTION]: TARGET } },
          facts(),
        ),
        undefined,
      );
      assert.equal(
        boundMeansNoForceCommand.validate({ ...EMPTY, criticalOptions: { 'force-command': 'x' } }, facts()),
        undefined,
      );
    });

    it('recorded-accounts-certify-only-recorded-logins: bound or forced when the account records', () => {
      const rule = recordedAccountsCertifyOnlyRecordedLogins;
      const recorded = facts({ recordsSessions: true });
      assert.equal(rule.validate(EMPTY, recorded)?.code, 'internal');
      assert.equal(rule.validate(EMPTY, facts()), undefined, 'not recorded: a plain certificate is fine');
      assert.equal(
        rule.validate({ ...EMPTY, criticalOptions: { [TARGET_BINDING_OPTION]: TARGET } }, recorded),
        undefined,
      );
      assert.equal(
        rule.validate({ ...EMPTY, criticalOptions: { 'force-command': 'rec' } }, recorded),
        undefined,
      );
    });

    it('lifetime-within-the-cap: from one second to the server’s cap', () => {
      const max = DEFAULT_SIGN_IN_SETTINGS.maxCertificateTtlSeconds;
      for (const ok of [1, max]) {
        assert.equal(lifetimeWithinTheCap.validate({ ...EMPTY, validForSeconds: ok }, facts()), undefined);
      }
      for (const bad of [0, max + 1, 2.5]) {
        const refusal = lifetimeWithinTheCap.validate({ ...EMPTY, validForSeconds: bad }, facts());
        assert.equal(refusal?.code, 'invalid_argument', `${bad}`);
        assert.equal(refusal?.pointer, '/valid_seconds');
      }
    });
  });

  describe('the fixed order', () => {
    it('lists request validators, then modifiers, then content validators', () => {
      const order = { 'request-validator': 0, modifier: 1, validator: 2 };
      const kinds = PERSON_CERTIFICATE_RULES.map((rule) => order[rule.kind]);
      assert.deepEqual(
        kinds,
        [...kinds].sort((a, b) => a - b),
      );
      const names = PERSON_CERTIFICATE_RULES.map((rule) => rule.name);
      assert.equal(new Set(names).size, names.length, 'rule names are unique');
    });

    it('a plain certificate: key id, principal, default lifetime, a terminal, no critical option', () => {
      assert.deepEqual(certificateContents(facts()), {
        contents: {
          keyId: `ada@example.com session=${SESSION}`,
          principals: ['deploy'],
          validForSeconds: DEFAULT_SIGN_IN_SETTINGS.certificateTtlSeconds,
          backdateSeconds: DEFAULT_SIGN_IN_SETTINGS.certificateBackdateSeconds,
          criticalOptions: {},
          extensions: { 'permit-pty': '' },
        },
      });
    });

    it('a recorded target with an agent: bound, never forced', () => {
      const result = certificateContents(facts({ recordsSessions: true, targetAgents: [AGENT] }));
      assert.ok('contents' in result);
      assert.deepEqual(result.contents.criticalOptions, { [TARGET_BINDING_OPTION]: TARGET.toLowerCase() });
      assert.ok(isBoundToTarget(result.contents));
    });

    it('a recorded target without an agent: forced through the recorder, not bound', () => {
      const result = certificateContents(facts({ recordsSessions: true }));
      assert.ok('contents' in result);
      assert.deepEqual(result.contents.criticalOptions, {
        'force-command': DEFAULT_SIGN_IN_SETTINGS.recorderCommand,
      });
      assert.equal(isBoundToTarget(result.contents), false);
    });

    it('every modifier runs before any content validator, and the first refusal wins', () => {
      const forceAlways: CertificateModifier = {
        kind: 'modifier',
        name: 'force-always',
        modify: (draft) => ({
          ...draft,
          criticalOptions: { ...draft.criticalOptions, 'force-command': 'x' },
        }),
      };
      // The validators come first in this list, the modifier last: they still see its work.
      const rules: CertificateRule[] = [
        boundMeansNoForceCommand,
        lifetimeWithinTheCap,
        boundToTheAgentsTarget,
        forceAlways,
      ];
      const result = certificateContents(facts({ targetAgents: [AGENT] }), rules);
      assert.ok('refusal' in result);
      assert.equal(result.refusal.rule, 'bound-means-no-force-command');
      // Without the binding, the next validator refuses: no lifetime was set.
      const unbound = certificateContents(facts(), rules);
      assert.ok('refusal' in unbound);
      assert.equal(unbound.refusal.rule, 'lifetime-within-the-cap');
    });
  });
});
