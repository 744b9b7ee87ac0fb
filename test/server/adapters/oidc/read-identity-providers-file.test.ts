import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { isLatchkeyError } from '@latchkey/shared';
import { readIdentityProvidersFile } from '../../../../server/src/adapters/oidc/read-identity-providers-file.js';
import { createTempDir } from '../../../harness/temp-dir.js';

describe('readIdentityProvidersFile', () => {
  it('reads inline secrets and secret files (relative to the providers file), without the final newline', async () => {
    const dir = await createTempDir('identity-providers');
    await writeFile(dir.file('corp.secret'), 'from-a-file\n');
    await writeFile(
      dir.file('providers.json'),
      JSON.stringify({
        providers: [
          {
            id: 'corp',
            name: 'Corp',
            issuer: 'https://sso.example.com',
            client_id: 'a',
            client_secret_file: 'corp.secret',
          },
          { id: 'lab', name: 'Lab', issuer: 'http://127.0.0.1:9', client_id: 'b', client_secret: 'inline' },
        ],
      }),
    );
    const providers = await readIdentityProvidersFile(dir.file('providers.json'));
    assert.deepEqual(
      providers.map(({ id, clientSecret }) => ({ id, clientSecret })),
      [
        { id: 'corp', clientSecret: 'from-a-file' },
        { id: 'lab', clientSecret: 'inline' },
      ],
    );
  });

  it('says which file it cannot read', async () => {
    const dir = await createTempDir('identity-providers');
    await assert.rejects(readIdentityProvidersFile(dir.file('missing.json')), (error: unknown) => {
      assert.ok(isLatchkeyError(error, 'invalid_config'));
      assert.match(error.message, /cannot read the identity providers file .*missing\.json \(ENOENT\)/);
      return true;
    });
    await writeFile(
      dir.file('providers.json'),
      JSON.stringify({
        providers: [
          {
            id: 'corp',
            name: 'Corp',
            issuer: 'https://x.example',
            client_id: 'a',
            client_secret_file: '/nonexistent/s',
          },
        ],
      }),
    );
    await assert.rejects(readIdentityProvidersFile(dir.file('providers.json')), (error: unknown) => {
      assert.ok(isLatchkeyError(error, 'invalid_config'));
      assert.match(
        error.message,
        /cannot read client_secret_file of provider corp \/nonexistent\/s \(ENOENT\)/,
      );
      return true;
    });
  });
});
