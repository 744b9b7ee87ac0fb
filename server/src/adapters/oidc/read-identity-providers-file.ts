/**
 * Reads the identity providers file (`--identity-providers FILE`) and each `client_secret_file` it names,
 * for main.ts. A relative `client_secret_file` is relative to the directory of the providers file. The
 * secret file's content is the secret, without the trailing newline. Problems are
 * LatchkeyError('invalid_config') naming the file.
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { LatchkeyError } from '@latchkey/shared';
import { parseIdentityProvidersConfig } from '../../domain/identity-providers-config.js';
import type { OidcProviderSettings } from './openid-client-provider.js';

export async function readIdentityProvidersFile(path: string): Promise<OidcProviderSettings[]> {
  const configs = parseIdentityProvidersConfig(await readText(path, 'the identity providers file'), path);
  return Promise.all(
    configs.map(async ({ clientSecret, ...config }, index) => {
      if (clientSecret.kind === 'inline') return { ...config, clientSecret: clientSecret.value };
      const secretPath = resolve(dirname(path), clientSecret.path);
      const secret = (await readText(secretPath, `client_secret_file of provider ${config.id}`)).replace(
        /\r?\n$/,
        '',
      );
      if (secret === '') {
        throw new LatchkeyError(
          'invalid_config',
          `${path}: /providers/${index}/client_secret_file ${secretPath} is empty`,
          {
            pointer: `/providers/${index}/client_secret_file`,
          },
        );
      }
      return { ...config, clientSecret: secret };
    }),
  );
}

async function readText(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (cause) {
    throw new LatchkeyError(
      'invalid_config',
      `cannot read ${what} ${path} (${(cause as NodeJS.ErrnoException).code ?? String(cause)}); check the path and its permissions`,
      { cause },
    );
  }
}
