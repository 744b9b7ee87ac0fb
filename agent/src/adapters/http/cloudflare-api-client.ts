/**
 * The ControlPlane over HTTP: Cloudflare's paths under an API base — Cloudflare's own
 * (https://api.cloudflare.com/client/v4) or the access server's agent mirror (<server>/v1/agents/client/v4).
 */
import { GATEWAY_CA_ALREADY_EXISTS_MESSAGE } from '@latchkey/shared/api/wire-names';
import { LatchkeyError } from '@latchkey/shared/errors/latchkey-error';
import type { ControlPlane } from '../../app/ports/control-plane.js';
import type { ListedTarget, TargetBody } from '../../domain/agent/plan-registration.js';
import { requestJson } from './json-api.js';

export interface CloudflareApiClientOptions {
  /** e.g. https://api.cloudflare.com/client/v4 */
  readonly apiBase: string;
  readonly accountId: string;
  /** Read on every call: the agent's credential can be renewed while it runs. */
  readonly token: () => string;
}

export class CloudflareApiClient implements ControlPlane {
  private readonly base: string;

  constructor(private readonly options: CloudflareApiClientOptions) {
    this.base = `${options.apiBase.replace(/\/+$/, '')}/accounts/${encodeURIComponent(options.accountId)}`;
  }

  async listTargetsByHostname(hostname: string): Promise<ListedTarget[]> {
    const targets: ListedTarget[] = [];
    for (let page = 1; ; page++) {
      const query = new URLSearchParams({ hostname, page: String(page), per_page: '1000' });
      const answer = await this.call('GET', `/infrastructure/targets?${query}`);
      const items = answer as ListedTarget[];
      targets.push(...items);
      if (items.length < 1000) break;
    }
    return targets.filter((target) => target.hostname.toLowerCase() === hostname.toLowerCase());
  }

  async getTarget(id: string): Promise<ListedTarget | undefined> {
    try {
      return (await this.call('GET', `/infrastructure/targets/${encodeURIComponent(id)}`)) as ListedTarget;
    } catch (error) {
      if (error instanceof LatchkeyError && error.code === 'not_found') return undefined;
      throw error;
    }
  }

  async createTarget(body: TargetBody): Promise<ListedTarget> {
    return (await this.call('POST', '/infrastructure/targets', body)) as ListedTarget;
  }

  async replaceTarget(id: string, body: TargetBody): Promise<ListedTarget> {
    return (await this.call(
      'PUT',
      `/infrastructure/targets/${encodeURIComponent(id)}`,
      body,
    )) as ListedTarget;
  }

  async findVirtualNetworkId(name: string): Promise<string | undefined> {
    const networks = (await this.call(
      'GET',
      `/teamnet/virtual_networks?${new URLSearchParams({ name })}`,
    )) as { id: string; name: string }[];
    return networks.find((network) => network.name === name)?.id;
  }

  async listCaPublicKeys(): Promise<string[]> {
    const answer = (await this.call('GET', '/access/gateway_ca')) as
      { public_key?: string } | { public_key?: string }[] | null;
    // The SDKs model GET as a list; one guide shows a single object: accept both.
    const list = answer === null ? [] : Array.isArray(answer) ? answer : [answer];
    return list
      .map((ca) => ca.public_key)
      .filter((key): key is string => typeof key === 'string' && key !== '');
  }

  async createCa(): Promise<string | undefined> {
    try {
      const created = (await this.call('POST', '/access/gateway_ca')) as { public_key?: string };
      return created.public_key;
    } catch (error) {
      if (error instanceof LatchkeyError && error.message.includes(GATEWAY_CA_ALREADY_EXISTS_MESSAGE)) {
        return undefined;
      }
      throw error;
    }
  }

  private async call(method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown): Promise<unknown> {
    const answer = await requestJson({
      method,
      url: `${this.base}${path}`,
      token: this.options.token(),
      ...(body === undefined ? {} : { body }),
    });
    return answer.result;
  }
}
