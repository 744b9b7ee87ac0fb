/**
 * Random but valid sshd configurations for property tests: directives in random order and spellings
 * (`Key value`, `Key=value`, `key = value`, odd case, leading whitespace, trailing comments), comments,
 * blank lines, commented defaults, Match blocks, Include of a drop-in directory with random drop-ins
 * (some with their own Match), CRLF endings and missing final newlines. Seeded, so a failure reproduces.
 */
export interface RandomHost {
  readonly seed: number;
  readonly mainPath: string;
  readonly mainText: string;
  readonly included: Map<string, string>;
}

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const GLOBAL_ONLY: readonly [string, readonly string[]][] = [
  ['Port', ['22', '2222', '8022']],
  ['LoginGraceTime', ['30', '2m']],
  ['UsePAM', ['yes', 'no']],
  ['AddressFamily', ['any', 'inet']],
  ['PrintMotd', ['no']],
  ['SyslogFacility', ['AUTH', 'AUTHPRIV']],
];
const ANYWHERE: readonly [string, readonly string[]][] = [
  ['PermitRootLogin', ['no', 'prohibit-password', 'yes']],
  ['PasswordAuthentication', ['yes', 'no']],
  ['X11Forwarding', ['yes', 'no']],
  ['AllowTcpForwarding', ['yes', 'no']],
  ['MaxAuthTries', ['3', '6']],
  ['Banner', ['none']],
  ['AcceptEnv', ['LANG LC_*', 'LANG']],
  ['PubkeyAuthentication', ['yes', 'no']],
  ['TrustedUserCAKeys', ['/etc/ssh/other_ca.pub', '/etc/ssh/vault_ca.pub', 'none']],
  ['AuthorizedKeysFile', ['.ssh/authorized_keys', '".ssh/authorized_keys" .ssh/authorized_keys2']],
];
const COMMENTS = [
  '# Authentication:',
  '#PubkeyAuthentication yes',
  '# PubkeyAuthentication no',
  '#TrustedUserCAKeys /etc/ssh/old_ca',
  '#Port 22',
  '# Example of overriding settings on a per-user basis',
  '#Match User anoncvs',
];
const MATCHES = [
  'Match User backup',
  'Match Group sftponly',
  'Match Address 10.0.0.0/8',
  'Match all',
  'MATCH User "a b"',
];

export function randomHost(seed: number): RandomHost {
  const random = mulberry32(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const chance = (p: number) => random() < p;
  const spell = (keyword: string, value: string): string => {
    const key = chance(0.2) ? keyword.toLowerCase() : chance(0.1) ? keyword.toUpperCase() : keyword;
    const indent = chance(0.15) ? pick(['  ', '\t']) : '';
    const sep = pick([' ', ' ', ' ', '=', ' = ', '\t']);
    const trailing = chance(0.1) ? ' # note' : '';
    return `${indent}${key}${sep}${value}${trailing}`;
  };
  const globalLines = (count: number, includeLine: string | undefined): string[] => {
    const lines: string[] = [];
    for (let i = 0; i < count; i++) {
      const roll = random();
      if (roll < 0.25) lines.push(pick(COMMENTS));
      else if (roll < 0.35) lines.push('');
      else {
        const [keyword, values] = pick(chance(0.3) ? GLOBAL_ONLY : ANYWHERE);
        lines.push(spell(keyword, pick(values)));
      }
    }
    if (includeLine !== undefined) lines.splice(Math.floor(random() * (lines.length + 1)), 0, includeLine);
    return lines;
  };
  const matchBlocks = (count: number): string[] =>
    Array.from({ length: count }, () => [
      pick(MATCHES),
      ...Array.from({ length: 1 + Math.floor(random() * 3) }, () => {
        const [keyword, values] = pick(ANYWHERE);
        return `\t${spell(keyword, pick(values))}`;
      }),
    ]).flat();

  const included = new Map<string, string>();
  const withInclude = chance(0.6);
  const includeLine = withInclude
    ? pick([
        'Include /etc/ssh/sshd_config.d/*.conf',
        'Include sshd_config.d/*.conf',
        'include="/etc/ssh/sshd_config.d/*.conf"',
        'Include /etc/ssh/sshd_config.d/*',
      ])
    : undefined;
  if (withInclude) {
    for (let i = 0; i < Math.floor(random() * 4); i++) {
      const name = pick(['0-early.conf', '01-a.conf', '10-local.conf', '50-cloud-init.conf', '99-z.conf']);
      const body = [
        ...globalLines(1 + Math.floor(random() * 4), undefined),
        ...(chance(0.2) ? matchBlocks(1) : []),
      ];
      included.set(`/etc/ssh/sshd_config.d/${name}`, body.join('\n') + '\n');
    }
  }
  const lines = [
    ...globalLines(3 + Math.floor(random() * 20), includeLine),
    ...matchBlocks(chance(0.5) ? 1 + Math.floor(random() * 3) : 0),
  ];
  const eol = chance(0.15) ? '\r\n' : '\n';
  const mainText = lines.join(eol) + (chance(0.85) ? eol : '');
  return { seed, mainPath: '/etc/ssh/sshd_config', mainText, included };
}
