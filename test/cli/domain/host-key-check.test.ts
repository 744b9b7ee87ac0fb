import assert from 'node:assert/strict';
import { generateSshKeyPair, isLatchkeyError } from '@latchkey/shared';
import type { IssuedCertificate, MeTarget } from '../../../cli/src/domain/access-api.js';
import { issuedHostKey, listedHostKey } from '../../../cli/src/domain/host-key-check.js';
import { meTarget } from './fixtures.js';

const SERVER_KEY = generateSshKeyPair('ed25519').publicKey.toAuthorizedKey();
const HOST_CA = generateSshKeyPair('ed25519').publicKey.toAuthorizedKey();
const OTHER_KEY = generateSshKeyPair('ed25519').publicKey.toAuthorizedKey();

const plain = meTarget('web-1', { port: 22 });
const fronted = (hostKey = SERVER_KEY, port = 2201, hostCa?: string): MeTarget =>
  meTarget('web-1', {
    port,
    front: {
      port,
      host_key: `${hostKey} agent@web-1`,
      ...(hostCa === undefined ? {} : { host_ca: `${hostCa} latchkey-host-ca` }),
    },
  });
const issued = (port: number, hostKey?: string, hostCa?: string): IssuedCertificate['target'] => ({
  id: plain.id,
  hostname: 'web-1',
  address: '10.0.0.5',
  port,
  ...(hostKey === undefined ? {} : { host_key: hostKey }),
  ...(hostCa === undefined ? {} : { host_ca: hostCa }),
});

describe('listedHostKey', () => {
  it('is the canonical server key of a fronted target, and none (first use) for another', () => {
    assert.deepEqual(listedHostKey(fronted()), { hostKey: SERVER_KEY });
    assert.equal(listedHostKey(plain), undefined);
  });

  it("is the host CA (canonical) for a front with a host certificate, never also the front's key", () => {
    assert.deepEqual(listedHostKey(fronted(SERVER_KEY, 2201, HOST_CA)), { hostCa: HOST_CA });
  });

  it('refuses a host CA that is not one public key line', () => {
    assert.throws(
      () => listedHostKey(fronted(SERVER_KEY, 2201, `${HOST_CA}\nweb-1 ${OTHER_KEY}`)),
      (e) => isLatchkeyError(e, 'internal') && /host CA for web-1/.test(e.message),
    );
  });

  it('refuses a fronted target whose key is not one public key line', () => {
    assert.throws(
      () => listedHostKey(fronted(`${SERVER_KEY}\n* ${OTHER_KEY}`)),
      (e) => isLatchkeyError(e, 'internal'),
    );
  });
});

describe('issuedHostKey (which key the connection a certificate is for must find)', () => {
  const cases: [string, IssuedCertificate['target'], MeTarget, ReturnType<typeof issuedHostKey>][] = [
    [
      "the certificate answer's key, when it names one",
      issued(2201, SERVER_KEY),
      fronted(),
      { hostKey: SERVER_KEY, from: 'certificate' },
    ],
    [
      "the certificate answer's host CA, when it names one",
      issued(2201, SERVER_KEY, HOST_CA),
      fronted(),
      { hostCa: HOST_CA, from: 'certificate' },
    ],
    [
      "the certificate answer's key when it names no CA, although the list did (the certificate lapsed)",
      issued(2201, SERVER_KEY),
      fronted(SERVER_KEY, 2201, HOST_CA),
      { hostKey: SERVER_KEY, from: 'certificate' },
    ],
    [
      "the list's host CA when the answer names no key but the list has a certified front at that port",
      issued(2201),
      fronted(SERVER_KEY, 2201, HOST_CA),
      { hostCa: HOST_CA, from: 'list' },
    ],
    [
      "the certificate answer's key over an older one in the list",
      issued(2201, SERVER_KEY),
      fronted(OTHER_KEY),
      { hostKey: SERVER_KEY, from: 'certificate' },
    ],
    [
      "the certificate answer's key although the list did not say fronted (a stale list)",
      issued(2201, SERVER_KEY),
      plain,
      { hostKey: SERVER_KEY, from: 'certificate' },
    ],
    [
      "the list's key when the answer names none but the list has a front at that port",
      issued(2201),
      fronted(),
      { hostKey: SERVER_KEY, from: 'list' },
    ],
    ['first use when the front the list names is at another port', issued(22), fronted(), undefined],
    ['first use for a target that is not fronted', issued(22), plain, undefined],
  ];
  for (const [what, answer, listed, expected] of cases) {
    it(what, () => assert.deepEqual(issuedHostKey(answer, listed), expected));
  }

  it('refuses an answer whose key is not one public key line, naming the target', () => {
    assert.throws(
      () => issuedHostKey(issued(2201, '@cert-authority * ' + SERVER_KEY), plain),
      (e) => isLatchkeyError(e, 'internal') && /host key for web-1/.test(e.message),
    );
  });
});
