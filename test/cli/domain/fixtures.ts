import type { MeTarget } from '../../../cli/src/domain/access-api.js';

/** A target as GET /v1/me/targets answers it. */
export function meTarget(hostname: string, overrides: Partial<MeTarget> = {}): MeTarget {
  return {
    id: overrides.id ?? `00000000-0000-4000-8000-${String(hostname.length).padStart(12, '0')}`,
    hostname,
    ip: { ipv4: { ip_addr: '10.0.0.5', virtual_network_id: 'vn-1' } },
    virtual_network: { id: 'vn-1', name: 'default' },
    port: 22,
    usernames: ['ubuntu'],
    ...overrides,
  };
}
