import { LatchkeyError } from '../errors/latchkey-error.js';
import { SshWireReader, SshWireWriter } from './ssh-wire.js';

/**
 * Critical options and extensions (PROTOCOL.certkeys): a sequence of (string name, string data).
 * Latchkey represents them as a record: a flag (empty data) is `''`, a valued option is the text inside
 * its data, which is itself a `string`. The consequence: a valued option whose value is the empty
 * string cannot be told from a flag, and is encoded as a flag (ssh-keygen refuses empty values anyway).
 */
export type CertificateOptions = Readonly<Record<string, string>>;

/** Encodes options sorted by name (byte order, as OpenSSH's strcmp), as the format requires. */
export function encodeCertificateOptions(options: CertificateOptions): Uint8Array {
  const names = Object.keys(options).sort(compareNames);
  if (names.length === 0) return EMPTY;
  const writer = new SshWireWriter(64 * names.length);
  for (const name of names) {
    const value = options[name]!;
    writer.text(name);
    if (value === '') writer.uint32(0);
    else writer.string(new SshWireWriter(value.length + 8).text(value).toBytes());
  }
  return writer.toBytes();
}

/**
 * Decodes an options section. Data must be empty or exactly one `string` of UTF-8 text (OpenSSH itself
 * rejects anything else for the options it knows); duplicate names are refused (OpenSSH refuses a
 * duplicated force-command or source-address). Errors: `invalid_certificate_options`.
 */
export function decodeCertificateOptions(bytes: Uint8Array, section: string): CertificateOptions {
  const options: Record<string, string> = {};
  const reader = new SshWireReader(bytes, `certificate ${section}`);
  try {
    while (reader.remaining > 0) {
      const name = reader.text('option name');
      const data = reader.string(`data of ${JSON.stringify(name.slice(0, 64))}`);
      let value = '';
      if (data.length > 0) {
        const inner = new SshWireReader(data, `certificate ${section} ${JSON.stringify(name.slice(0, 64))}`);
        value = inner.text('value');
        inner.finish();
      }
      if (Object.prototype.hasOwnProperty.call(options, name)) {
        throw new LatchkeyError(
          'invalid_certificate_options',
          `certificate ${section}: ${JSON.stringify(name.slice(0, 64))} appears twice`,
        );
      }
      // defineProperty: a name such as "__proto__" must become a plain own property.
      Object.defineProperty(options, name, { value, enumerable: true, writable: false, configurable: false });
    }
  } catch (error) {
    if (error instanceof LatchkeyError && error.code !== 'invalid_certificate_options') {
      throw new LatchkeyError('invalid_certificate_options', error.message, { cause: error });
    }
    throw error;
  }
  return Object.freeze(options);
}

/** A frozen copy with sorted keys, safe against `__proto__` names. */
export function freezeOptions(options: Record<string, string>): CertificateOptions {
  const copy: Record<string, string> = {};
  for (const name of Object.keys(options).sort(compareNames)) {
    Object.defineProperty(copy, name, { value: options[name], enumerable: true });
  }
  return Object.freeze(copy);
}

function compareNames(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

const EMPTY = new Uint8Array(0);
