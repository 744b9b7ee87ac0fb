/**
 * The console's script (a session log's page loads it; no other page has a script): the
 * auditor picks their private key file; the script fetches the sealed log from this server (same
 * origin, the console's cookie), decrypts it here with shared's reader, and shows the integrity verdict,
 * the commands with their exit statuses, the transfers, and hands the terminal output to the player
 * (player.ts, a separate bundle) through a `latchkey:replay` event. The key and everything decrypted stay
 * in this page: nothing is sent anywhere, and the page's CSP (connect-src 'self') would refuse another
 * origin. Every value is put into the page as text (textContent), never as HTML.
 */
import { parseAuditorKey } from '@latchkey/shared/session-log/auditor-keys';
import { readSessionLog } from '@latchkey/shared/session-log/session-log-reader';
import type { SessionLogContents } from '@latchkey/shared/session-log/session-log-reader';
import { asciicastHeader, asciicastLines } from '@latchkey/shared/session-log/outputs/asciicast';
import { listCommands } from '@latchkey/shared/session-log/outputs/commands-json';
import { VERDICT_MEANINGS } from '@latchkey/shared/session-log/outputs/verify-report';
import type { TransferRecord } from '@latchkey/shared/session-log/log-records';

/** What the player gets: the screen size and the output events ([seconds, 'o' | 'r', text]). */
export interface ReplayDetail {
  width: number;
  height: number;
  events: [number, 'o' | 'r', string][];
}

const section = document.getElementById('decrypt');
if (section !== null) setUp(section);

function setUp(root: HTMLElement): void {
  const form = root.querySelector<HTMLFormElement>('#decrypt-form');
  const input = root.querySelector<HTMLInputElement>('#key-file');
  const status = root.querySelector<HTMLElement>('#decrypt-status');
  const fileUrl = root.dataset.fileUrl;
  if (form === null || input === null || status === null || fileUrl === undefined) return;
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const file = input.files?.[0];
    if (file === undefined) {
      say(
        status,
        'Pick your private key file first (the file `latchkey logs keygen` wrote, without .pub).',
        true,
      );
      input.focus();
      return;
    }
    void decrypt(root, status, file, fileUrl);
  });
}

async function decrypt(
  root: HTMLElement,
  status: HTMLElement,
  keyFile: File,
  fileUrl: string,
): Promise<void> {
  say(status, 'Fetching the sealed log…', false);
  let key: Uint8Array | undefined;
  try {
    key = parseAuditorKey(await keyFile.text(), `private key file ${keyFile.name}`);
    const response = await fetch(fileUrl, { credentials: 'same-origin', cache: 'no-store' });
    if (!response.ok) throw new Error(`the server answered ${response.status} for the sealed log`);
    const sealed = new Uint8Array(await response.arrayBuffer());
    say(status, 'Decrypting in this browser…', false);
    const log = readSessionLog(sealed, key);
    show(root, log);
    say(
      status,
      `Decrypted in this browser: ${log.packets.length} packets, ${sealed.length} bytes sealed.`,
      false,
    );
  } catch (error) {
    say(status, `Cannot decrypt: ${error instanceof Error ? error.message : String(error)}`, true);
  } finally {
    key?.fill(0);
  }
}

function show(root: HTMLElement, log: SessionLogContents): void {
  const results = root.querySelector<HTMLElement>('#decrypted');
  if (results === null) return;
  results.replaceChildren();

  const verdict = element('section', { className: `verdict verdict-${log.integrity.status}`, id: 'verdict' });
  verdict.append(
    element('h2', { text: `Integrity: ${log.integrity.status}` }),
    element('p', { text: VERDICT_MEANINGS[log.integrity.status] }),
  );
  if (log.integrity.problems.length > 0) {
    const list = element('ul', {});
    for (const problem of log.integrity.problems) list.append(element('li', { text: problem }));
    verdict.append(list);
  }
  const identity = log.integrity.identity;
  if (identity !== undefined) {
    verdict.append(
      element('p', {
        text:
          `Session ${identity.session_id}: ${identity.user_email} as ${identity.principal} on ` +
          `${identity.target_hostname ?? identity.target_id} (${identity.program_type}` +
          `${identity.command === undefined ? '' : `: ${identity.command}`}).`,
      }),
    );
  }
  results.append(verdict);

  const commands = listCommands(log);
  const commandSection = element('section', { id: 'commands' });
  commandSection.append(element('h2', { text: `Commands (${commands.length})` }));
  if (commands.length === 0) {
    commandSection.append(
      element('p', {
        text: 'The log holds no command records (a session without a shell prompt, or an older recorder).',
      }),
    );
  } else {
    commandSection.append(
      table(
        ['Time', 'Command', 'Directory', 'Exit status'],
        commands.map((command) => [
          command.time,
          command.command,
          command.cwd ?? '',
          command.exit_status === undefined ? 'not reported' : String(command.exit_status),
        ]),
        'Commands the session ran',
      ),
    );
  }
  results.append(commandSection);

  const transfers = log.records.flatMap((record) =>
    record.kind === 'transfer' ? [record.body as TransferRecord] : [],
  );
  const transferSection = element('section', { id: 'transfers' });
  transferSection.append(element('h2', { text: `Transfers (${transfers.length})` }));
  if (transfers.length === 0) {
    transferSection.append(element('p', { text: 'No file transfers or forwards in this session.' }));
  } else {
    transferSection.append(
      table(
        ['Program', 'Direction', 'Destination', 'Bytes from client', 'Bytes to client'],
        transfers.map((transfer) => [
          transfer.program,
          transfer.direction,
          transfer.destination ?? '',
          String(transfer.bytes_from_client),
          String(transfer.bytes_to_client),
        ]),
        'File transfers and forwards',
      ),
    );
  }
  results.append(transferSection);

  const header = asciicastHeader({ ...log, ...(identity === undefined ? {} : { identity }) });
  const events: ReplayDetail['events'] = [];
  let first = true;
  for (const line of asciicastLines({ ...log, ...(identity === undefined ? {} : { identity }) })) {
    if (first) {
      first = false;
      continue;
    }
    events.push(JSON.parse(line) as ReplayDetail['events'][number]);
  }
  results.hidden = false;
  const detail: ReplayDetail = { width: header.width, height: header.height, events };
  document.dispatchEvent(new CustomEvent<ReplayDetail>('latchkey:replay', { detail }));
}

function table(headings: string[], rows: string[][], caption: string): HTMLTableElement {
  const result = element('table', {});
  result.append(element('caption', { text: caption, className: 'visually-hidden' }));
  const head = element('thead', {});
  const headRow = element('tr', {});
  for (const heading of headings) headRow.append(element('th', { text: heading, scope: 'col' }));
  head.append(headRow);
  const body = element('tbody', {});
  for (const row of rows) {
    const tr = element('tr', {});
    for (const cell of row) tr.append(element('td', { text: cell }));
    body.append(tr);
  }
  result.append(head, body);
  return result;
}

function element<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  options: { text?: string; className?: string; id?: string; scope?: string },
): HTMLElementTagNameMap[K] {
  const made = document.createElement(tag);
  if (options.text !== undefined) made.textContent = options.text;
  if (options.className !== undefined) made.className = options.className;
  if (options.id !== undefined) made.id = options.id;
  if (options.scope !== undefined) made.setAttribute('scope', options.scope);
  return made;
}

function say(status: HTMLElement, text: string, problem: boolean): void {
  status.textContent = text;
  status.classList.toggle('error', problem);
}
