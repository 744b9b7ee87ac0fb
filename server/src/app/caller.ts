/** Who is making a request: an authenticated API token of one account, and what it may do. */
export interface Caller {
  accountId: string;
  tokenId: string;
  permissions: readonly string[];
  /** How audit events name the caller: `token:<id>`. */
  actor: string;
}

export function callerOfToken(token: {
  id: string;
  accountId: string;
  permissions: readonly string[];
}): Caller {
  return {
    accountId: token.accountId,
    tokenId: token.id,
    permissions: token.permissions,
    actor: `token:${token.id}`,
  };
}
