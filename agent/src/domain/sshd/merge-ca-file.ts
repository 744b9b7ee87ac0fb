import { LatchkeyError, isLatchkeyError } from '@latchkey/shared/errors/latchkey-error';
import { parseSshPublicKey } from '@latchkey/shared/ssh/parse-public-key';
import type { SshPublicKey } from '@latchkey/shared/ssh/ssh-public-key';

/**
 * The CA file sshd trusts (TrustedUserCAKeys, /etc/ssh/ca.pub): one key per line, `#` comments and blank
 * lines allowed. Latchkey owns two marked blocks in it and nothing else:
 *
 *   - the server's CA keys, rewritten on every merge (keys the server no longer lists go away);
 *   - keys adopted from a CA file the admin's sshd_config trusted before (edit-sshd-config.ts puts
 *     Latchkey's TrustedUserCAKeys first, and sshd reads only the first one), kept for good.
 *
 * Every other line is the admin's and is kept as it is. The blocks go at the top: sshd stops reading the
 * file at the first line it cannot parse (authfile.c sshkey_in_file), so a broken line of the admin's must
 * not hide the server's keys. Line endings are written as `\n`: a CRLF blank line is such a broken line.
 */
export const CA_BLOCK_BEGIN =
  '# >>> latchkey CA keys: managed by latchkey-agent from the access server; edits here are replaced';
export const CA_BLOCK_END = '# <<< latchkey CA keys';
export const ADOPTED_BLOCK_BEGIN =
  '# >>> latchkey adopted CA keys: copied from the CA file sshd_config trusted before Latchkey; never removed by Latchkey';
export const ADOPTED_BLOCK_END = '# <<< latchkey adopted CA keys';

export interface MergeCaFileInput {
  /** The current file, or undefined when it does not exist. */
  readonly current: string | undefined;
  /** The CA public keys the server lists, one `type base64 [comment]` each. */
  readonly serverKeys: readonly string[];
  /** CA files whose keys must stay trusted (SshdConfigEdit.adoptCaFiles with their contents). */
  readonly adopt?: readonly { readonly path: string; readonly text: string }[];
}

export interface CaFileMerge {
  readonly content: string;
  readonly changed: boolean;
  /** SHA256 fingerprints of server keys that were not in Latchkey's block before. */
  readonly added: readonly string[];
  /** SHA256 fingerprints of keys Latchkey had written that the server no longer lists. */
  readonly removed: readonly string[];
  /** SHA256 fingerprints of keys newly copied from adopted files. */
  readonly adopted: readonly string[];
  /** Lines of the admin's that sshd cannot read (and after which it reads no more keys). */
  readonly warnings: readonly string[];
}

export function mergeCaFile(input: MergeCaFileInput): CaFileMerge {
  const serverKeys = validateServerKeys(input.serverKeys);
  const parts = splitCaFile(input.current ?? '');
  const previous = new Set(
    parts.ours
      .map(lineKey)
      .filter((k): k is SshPublicKey => k !== undefined)
      .map(fp),
  );
  const current = new Set(serverKeys.map((k) => fp(k.key)));

  const present = new Set(
    [...parts.adopted, ...parts.foreign]
      .map(lineKey)
      .filter((k): k is SshPublicKey => k !== undefined)
      .map(fp),
  );
  const adoptedLines = [...parts.adopted];
  const adopted: string[] = [];
  for (const file of input.adopt ?? []) {
    for (const line of file.text.split(/\r?\n/)) {
      const key = lineKey(line);
      if (key === undefined || present.has(fp(key))) continue;
      present.add(fp(key));
      adopted.push(fp(key));
      adoptedLines.push(key.toAuthorizedKey(`adopted from ${file.path}`));
    }
  }

  const blocks = [CA_BLOCK_BEGIN, ...serverKeys.map((k) => k.line), CA_BLOCK_END];
  if (adoptedLines.length > 0) blocks.push(ADOPTED_BLOCK_BEGIN, ...adoptedLines, ADOPTED_BLOCK_END);
  const content = blocks.map((line) => `${line}\n`).join('') + parts.foreignText;
  return {
    content,
    changed: content !== input.current,
    added: [...current].filter((f) => !previous.has(f)),
    removed: [...previous].filter((f) => !current.has(f)),
    adopted,
    warnings: parts.foreign
      .map((line, i) => ({ line, i }))
      .filter(({ line }) => isUnreadable(line))
      .map(
        ({ line }) =>
          `the CA file line ${JSON.stringify(line.slice(0, 60))} is not a public key; sshd reads no keys after it`,
      ),
  };
}

/**
 * The inverse of mergeCaFile for when no backup is left: the admin's lines only (with `\n` endings, see
 * above). An empty result means the file held nothing but Latchkey's keys.
 */
export function undoCaFileMerge(current: string): string {
  return splitCaFile(current).foreignText;
}

/** SHA256 fingerprints of the keys in Latchkey's managed block of a CA file (its server keys). */
export function managedCaKeyFingerprints(text: string): string[] {
  return splitCaFile(text)
    .ours.map(lineKey)
    .filter((k): k is SshPublicKey => k !== undefined)
    .map(fp);
}

/** SHA256 fingerprint of one public key line; undefined when it is not a key. */
export function caKeyFingerprint(line: string): string | undefined {
  const key = lineKey(line);
  return key === undefined ? undefined : fp(key);
}

interface CaFileParts {
  ours: string[];
  adopted: string[];
  foreign: string[];
  /** The admin's lines as text, CRLF turned into LF, without a newline added at the end. */
  foreignText: string;
}

function splitCaFile(text: string): CaFileParts {
  const parts: CaFileParts = { ours: [], adopted: [], foreign: [], foreignText: '' };
  const foreignText: string[] = [];
  let inside: 'ours' | 'adopted' | undefined;
  for (const raw of text.replace(/\r\n/g, '\n').split(/(?<=\n)/)) {
    const line = raw.replace(/\n$/, '');
    if (inside === undefined && line === CA_BLOCK_BEGIN) inside = 'ours';
    else if (inside === undefined && line === ADOPTED_BLOCK_BEGIN) inside = 'adopted';
    else if (inside === 'ours' && line === CA_BLOCK_END) inside = undefined;
    else if (inside === 'adopted' && line === ADOPTED_BLOCK_END) inside = undefined;
    else if (inside !== undefined) parts[inside].push(line);
    else {
      parts.foreign.push(line);
      foreignText.push(raw);
    }
  }
  if (inside !== undefined) {
    throw new LatchkeyError(
      'invalid_sshd_config',
      'the CA file has a Latchkey begin marker without its end marker (edited by hand); run `latchkey-agent uninstall` to restore it from its backup',
    );
  }
  parts.foreignText = foreignText.join('');
  return parts;
}

function validateServerKeys(lines: readonly string[]): { key: SshPublicKey; line: string }[] {
  if (lines.length === 0) {
    throw new LatchkeyError(
      'invalid_argument',
      'the access server listed no CA public key; refusing to remove every trusted CA from the CA file',
    );
  }
  const seen = new Set<string>();
  const keys: { key: SshPublicKey; line: string }[] = [];
  lines.forEach((text, i) => {
    const tokens = text.trim().split(/[ \t]+/);
    let key: SshPublicKey;
    try {
      if (/[\r\n]/.test(text.trim())) throw new LatchkeyError('malformed_key', 'it spans several lines');
      key = parseSshPublicKey(text);
      if (tokens[0] !== key.sshType)
        throw new LatchkeyError('malformed_key', 'it carries options before the key type');
    } catch (error) {
      throw new LatchkeyError(
        'malformed_key',
        `CA public key #${i + 1} from the access server is not a usable public key (${(error as Error).message}): ${JSON.stringify(text.slice(0, 80))}`,
        { pointer: `/serverKeys/${i}`, cause: error },
      );
    }
    if (seen.has(fp(key))) return;
    seen.add(fp(key));
    const comment = tokens.slice(2).join(' ');
    keys.push({ key, line: key.toAuthorizedKey(/^[\x20-\x7e]*$/.test(comment) ? comment : undefined) });
  });
  return keys;
}

/** The key on a CA file line, or undefined for comments, blanks and lines sshd cannot read. */
function lineKey(line: string): SshPublicKey | undefined {
  const trimmed = line.trim();
  if (trimmed === '' || trimmed.startsWith('#')) return undefined;
  try {
    return parseSshPublicKey(trimmed);
  } catch {
    return undefined;
  }
}

/** A line that is neither a comment, a blank nor a key (of any type: sshd knows more types than Latchkey). */
function isUnreadable(line: string): boolean {
  const trimmed = line.trim();
  if (trimmed === '' || trimmed.startsWith('#')) return false;
  try {
    parseSshPublicKey(trimmed);
    return false;
  } catch (error) {
    return !isLatchkeyError(error, 'unsupported_key_type');
  }
}

function fp(key: SshPublicKey): string {
  return key.fingerprint();
}
