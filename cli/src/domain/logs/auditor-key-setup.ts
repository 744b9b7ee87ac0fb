/**
 * What `logs keygen` tells the person to do next: upload the public key as the account's session-log key
 * (`PUT …/gateway/audit_ssh_settings`, permission Access: SSH Auditing: Edit), as a ready curl command.
 */
export function auditorKeySetupHint(options: {
  publicKey: string;
  privateKeyPath: string;
  server?: string;
}): string {
  const server = options.server ?? 'https://ACCESS_SERVER';
  return [
    `Public key (${options.privateKeyPath}.pub): ${options.publicKey}`,
    '',
    'Next: make it the key that new session logs are sealed to (a token with "Access: SSH Auditing: Edit";',
    'ACCOUNT_ID from `curl -H "Authorization: Bearer $LATCHKEY_API_TOKEN" ' +
      server +
      '/client/v4/accounts`):',
    '',
    `  curl -X PUT "${server}/client/v4/accounts/$ACCOUNT_ID/gateway/audit_ssh_settings" \\`,
    '    -H "Authorization: Bearer $LATCHKEY_API_TOKEN" -H "Content-Type: application/json" \\',
    `    --data '{"public_key":"${options.publicKey}"}'`,
    '',
    `Keep ${options.privateKeyPath} secret and safe: only it decrypts the logs (latchkey logs decrypt -i LOG -k ${options.privateKeyPath}).`,
    '',
  ].join('\n');
}
