/**
 * The access server's admin API as the local Latchkey uses it to set itself up: the Cloudflare-shaped
 * REST API with the admin token the server wrote on its first start. Errors carry the server's message.
 */
export class AdminApi {
  private accountId: string | undefined;

  constructor(
    readonly url: string,
    private readonly token: string,
  ) {}

  /** `path` is relative to the account (`/access/apps`) or absolute (`/client/v4/accounts`). */
  async call<T = unknown>(
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    path: string,
    body?: unknown,
  ): Promise<T> {
    const full =
      path.startsWith('/client/') || path.startsWith('/v1/') ? path : `${await this.accountBase()}${path}`;
    const response = await fetch(`${this.url}${full}`, {
      method,
      headers: {
        authorization: `Bearer ${this.token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const answer = (await response.json()) as {
      success?: boolean;
      result?: T;
      errors?: { message: string }[];
    };
    if (!response.ok || answer.success === false) {
      const message = answer.errors?.map((error) => error.message).join('; ') ?? `HTTP ${response.status}`;
      throw new AdminApiError(`${method} ${path}: ${message}`, response.status, message);
    }
    return answer.result as T;
  }

  async account(): Promise<string> {
    if (this.accountId === undefined) {
      const accounts = await this.call<{ id: string }[]>('GET', '/client/v4/accounts');
      if (accounts[0] === undefined) throw new Error('the server has no account');
      this.accountId = accounts[0].id;
    }
    return this.accountId;
  }

  private async accountBase(): Promise<string> {
    return `/client/v4/accounts/${await this.account()}`;
  }
}

export class AdminApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly serverMessage: string,
  ) {
    super(message);
  }
}
