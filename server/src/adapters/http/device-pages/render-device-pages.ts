/**
 * The HTML of the device sign-in pages: pure functions from what to show to a complete page. Plain
 * server-rendered forms (no script), so they work in any browser and under a strict CSP; every value
 * is HTML-escaped here and nowhere else.
 */

export function escapeHtml(value: string): string {
  return value
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

const STYLE = `
body{font:16px/1.5 system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem;color:#1d2125}
h1{font-size:1.4rem}label{display:block;margin:.8rem 0 .2rem}
input{width:100%;padding:.5rem;font:inherit;box-sizing:border-box}
.code{font:600 1.3rem monospace;letter-spacing:.1em}
.error{background:#fdecea;border:1px solid #f5c2c0;padding:.6rem;border-radius:4px}
.ok{background:#e8f5e9;border:1px solid #b7dfb9;padding:.6rem;border-radius:4px}
.buttons{display:flex;gap:.6rem;margin-top:1rem}button{padding:.5rem 1rem;font:inherit;cursor:pointer}
.providers form{margin:.4rem 0}hr{margin:1.5rem 0;border:0;border-top:1px solid #ddd}`;

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)} · Latchkey</title><style>${STYLE}</style></head>
<body><h1>${escapeHtml(title)}</h1>
${body}
</body></html>
`;
}

export interface SignInPageModel {
  /** As typed or from the link; '' when none. */
  userCode: string;
  /** Who is asking (the OAuth client's description), when the code is known. */
  clientDescription?: string;
  email?: string;
  error?: string;
  providers: readonly { id: string; name: string }[];
}

export function renderSignInPage(model: SignInPageModel): string {
  const code = escapeHtml(model.userCode);
  const asking =
    model.clientDescription === undefined
      ? '<p>Enter the code shown in your terminal, then sign in to approve it.</p>'
      : `<p>${escapeHtml(model.clientDescription)} is asking to sign in as you. Check that your terminal shows the code <span class="code">${code}</span>.</p>`;
  const error =
    model.error === undefined ? '' : `<p class="error" role="alert">${escapeHtml(model.error)}</p>`;
  const providers =
    model.providers.length === 0
      ? ''
      : `<hr><div class="providers"><p>Or sign in with:</p>${model.providers
          .map(
            (provider) =>
              `<form method="post" action="/device/oidc/start"><input type="hidden" name="user_code" value="${code}"><input type="hidden" name="provider" value="${escapeHtml(provider.id)}"><button type="submit">${escapeHtml(provider.name)}</button></form>`,
          )
          .join('')}</div>`;
  return page(
    'Sign in to Latchkey',
    `${error}${asking}
<form method="post" action="/device/password">
<label for="user_code">Code</label><input id="user_code" name="user_code" value="${code}" autocomplete="off" required>
<label for="email">Email</label><input id="email" name="email" type="email" value="${escapeHtml(model.email ?? '')}" autocomplete="username" required>
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<div class="buttons"><button type="submit" name="decision" value="approve">Approve</button><button type="submit" name="decision" value="deny">Deny</button></div>
</form>${providers}`,
  );
}

export function renderConfirmPage(model: {
  email: string;
  providerName: string;
  userCode: string;
  clientDescription: string;
  confirmation: string;
}): string {
  return page(
    'Approve this sign-in?',
    `<p>Signed in with ${escapeHtml(model.providerName)} as <strong>${escapeHtml(model.email)}</strong>.</p>
<p>${escapeHtml(model.clientDescription)} is asking to sign in as you. Check that your terminal shows the code <span class="code">${escapeHtml(model.userCode)}</span>.</p>
<form method="post" action="/device/oidc/decide"><input type="hidden" name="confirmation" value="${escapeHtml(model.confirmation)}">
<div class="buttons"><button type="submit" name="decision" value="approve">Approve</button><button type="submit" name="decision" value="deny">Deny</button></div></form>`,
  );
}

export function renderDonePage(outcome: { approved: boolean; email: string }): string {
  return outcome.approved
    ? page(
        'Signed in',
        `<p class="ok" role="status">Signed in as <strong>${escapeHtml(outcome.email)}</strong>. You can close this window and return to your terminal.</p>`,
      )
    : page(
        'Sign-in denied',
        '<p class="ok" role="status">The sign-in was denied. Nothing was signed in.</p>',
      );
}

export function renderErrorPage(message: string): string {
  return page(
    'Sign-in failed',
    `<p class="error" role="alert">${escapeHtml(message)}</p><p><a href="/device">Start again</a></p>`,
  );
}
