/** How an admin makes an API token with a permission: the words every API-token refusal ends with. */
export function tokenHint(permission: string): string {
  return `an admin makes one with \`latchkey-server token create --permission "${permission}"\``;
}
