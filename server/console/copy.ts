/**
 * The console's copy buttons (the join-token page loads this; it is its own small bundle): a button
 * `data-copy="ID"` copies the text of the element with that id to the clipboard and says so in the
 * element `data-copy-status` names. Where the clipboard is not available (an insecure origin, a refused
 * permission), it selects the text instead and says to press Ctrl+C. No inline script: the CSP refuses it.
 */
for (const button of document.querySelectorAll<HTMLButtonElement>('button[data-copy]')) {
  button.hidden = false;
  button.addEventListener('click', () => void copy(button));
}

async function copy(button: HTMLButtonElement): Promise<void> {
  const source = document.getElementById(button.dataset.copy ?? '');
  const status = document.getElementById(button.dataset.copyStatus ?? '');
  if (source === null) return;
  const text = source.textContent ?? '';
  try {
    await navigator.clipboard.writeText(text);
    if (status !== null) status.textContent = 'Copied to the clipboard.';
  } catch {
    const range = document.createRange();
    range.selectNodeContents(source);
    const selection = window.getSelection();
    selection?.removeAllRanges();
    selection?.addRange(range);
    if (status !== null) status.textContent = 'The line is selected: press Ctrl+C (⌘C) to copy it.';
  }
}
