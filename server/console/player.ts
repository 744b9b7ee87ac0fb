/**
 * The session player (its own bundle, loaded only by a session log's page): replays the terminal output
 * that console.ts decrypted, at real speed or faster, with play/pause, a speed choice and a seek bar. The
 * terminal is xterm.js's headless core (@xterm/headless: the parser and screen, no renderer); this file
 * draws its screen as text in a <pre>, with the 16 ANSI colours, bold and inverse as CSS classes. So the
 * player needs no inline style, no <style> element and no canvas, and runs under the console's strict CSP
 * (xterm.js's DOM renderer writes <style> elements, which `style-src 'self'` refuses).
 */
import { Terminal } from '@xterm/headless';
import type { IBufferCell } from '@xterm/headless';

interface ReplayDetail {
  width: number;
  height: number;
  events: [number, 'o' | 'r', string][];
}

const root = document.getElementById('player');
if (root !== null) {
  document.addEventListener('latchkey:replay', (event) => {
    new Player(root, (event as CustomEvent<ReplayDetail>).detail);
  });
}

class Player {
  private terminal: Terminal;
  private readonly screen: HTMLElement;
  private readonly playButton: HTMLButtonElement;
  private readonly seek: HTMLInputElement;
  private readonly speed: HTMLSelectElement;
  private readonly clock: HTMLElement;
  private readonly durationMs: number;
  /** Session time shown, in ms; the index of the next event to write. */
  private position = 0;
  private next = 0;
  private playing = false;
  private lastTick = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private writes = 0;

  constructor(
    private readonly root: HTMLElement,
    private readonly replay: ReplayDetail,
  ) {
    this.screen = this.part<HTMLElement>('#screen');
    this.playButton = this.part<HTMLButtonElement>('#play');
    this.seek = this.part<HTMLInputElement>('#seek');
    this.speed = this.part<HTMLSelectElement>('#speed');
    this.clock = this.part<HTMLElement>('#player-time');
    // In whole steps of the seek bar (100 ms), so that its end is the last event.
    this.durationMs = Math.ceil((replay.events.at(-1)?.[0] ?? 0) * 10) * 100;
    this.terminal = this.newTerminal();
    this.seek.max = String(this.durationMs);
    this.seek.value = '0';
    root.hidden = false;
    this.playButton.onclick = () => (this.playing ? this.pause() : this.play());
    this.seek.oninput = () => this.seekTo(Number(this.seek.value));
    this.speed.onchange = () => {
      this.lastTick = performance.now();
    };
    this.setState('paused');
    this.render();
  }

  private part<T extends HTMLElement>(selector: string): T {
    const found = this.root.querySelector<T>(selector);
    if (found === null) throw new Error(`the player's ${selector} is missing`);
    return found;
  }

  private newTerminal(): Terminal {
    return new Terminal({
      cols: this.replay.width,
      rows: this.replay.height,
      scrollback: 0,
      allowProposedApi: true,
    });
  }

  play(): void {
    if (this.position >= this.durationMs) this.seekTo(0);
    this.playing = true;
    this.lastTick = performance.now();
    this.setState('playing');
    this.tick();
  }

  pause(): void {
    this.playing = false;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.setState('paused');
  }

  private tick(): void {
    if (!this.playing) return;
    const now = performance.now();
    this.position = Math.min(
      this.durationMs,
      this.position + (now - this.lastTick) * Number(this.speed.value),
    );
    this.lastTick = now;
    this.writeUntil(this.position);
    if (this.position >= this.durationMs) {
      this.playing = false;
      this.setState('ended');
      return;
    }
    this.timer = setTimeout(() => this.tick(), 50);
  }

  /** Starts over and writes everything up to `ms` (the terminal is rebuilt: output cannot be undone). */
  seekTo(ms: number): void {
    this.terminal.dispose();
    this.terminal = this.newTerminal();
    this.next = 0;
    this.position = Math.max(0, Math.min(ms, this.durationMs));
    this.writeUntil(this.position);
    if (!this.playing) this.setState(this.position >= this.durationMs ? 'ended' : 'paused');
  }

  private writeUntil(ms: number): void {
    let text = '';
    const flush = () => {
      if (text === '') return;
      this.write(text);
      text = '';
    };
    while (this.next < this.replay.events.length && this.replay.events[this.next]![0] * 1000 <= ms) {
      const [, kind, data] = this.replay.events[this.next++]!;
      if (kind === 'o') {
        text += data;
      } else {
        flush();
        const [cols, rows] = data.split('x').map(Number);
        if (cols && rows) this.terminal.resize(cols, rows);
      }
    }
    flush();
    this.seek.value = String(Math.round(ms));
    this.clock.textContent = `${seconds(ms)} / ${seconds(this.durationMs)}`;
    if (this.writes === 0) this.render();
  }

  private write(text: string): void {
    this.writes++;
    const terminal = this.terminal;
    terminal.write(text, () => {
      this.writes--;
      if (this.writes === 0 && terminal === this.terminal) this.render();
    });
  }

  private setState(state: 'playing' | 'paused' | 'ended'): void {
    this.root.dataset.state = state;
    this.playButton.textContent = state === 'playing' ? 'Pause' : 'Play';
    this.playButton.setAttribute('aria-pressed', String(state === 'playing'));
  }

  /** The screen as lines of text runs, each run a span whose classes say its colours. */
  private render(): void {
    const buffer = this.terminal.buffer.active;
    const lines: HTMLElement[] = [];
    let cell: IBufferCell | undefined;
    for (let y = 0; y < this.terminal.rows; y++) {
      const line = buffer.getLine(buffer.viewportY + y);
      const row = document.createElement('div');
      row.className = 'row';
      if (line !== undefined) {
        let runText = '';
        let runClass = '';
        const end = () => {
          if (runText === '') return;
          const span = document.createElement('span');
          if (runClass !== '') span.className = runClass;
          span.textContent = runText;
          row.append(span);
          runText = '';
        };
        for (let x = 0; x < line.length; x++) {
          cell = line.getCell(x, cell);
          if (cell === undefined || cell.getWidth() === 0) continue;
          const classes = classesOf(cell);
          if (classes !== runClass) {
            end();
            runClass = classes;
          }
          runText += cell.getChars() || ' ';
        }
        end();
      }
      lines.push(row);
    }
    this.screen.replaceChildren(...lines);
    this.screen.setAttribute('aria-label', `Terminal at ${seconds(this.position)}`);
  }
}

function classesOf(cell: IBufferCell): string {
  const classes: string[] = [];
  let fg = cell.isFgPalette() && cell.getFgColor() < 16 ? cell.getFgColor() : -1;
  let bg = cell.isBgPalette() && cell.getBgColor() < 16 ? cell.getBgColor() : -1;
  if (cell.isInverse()) {
    [fg, bg] = [bg === -1 ? 16 : bg, fg === -1 ? 17 : fg];
  }
  if (fg !== -1) classes.push(`f${fg}`);
  if (bg !== -1) classes.push(`b${bg}`);
  if (cell.isBold()) classes.push('bold');
  return classes.join(' ');
}

function seconds(ms: number): string {
  const total = Math.floor(ms / 1000);
  return `${Math.floor(total / 60)}:${String(total % 60).padStart(2, '0')}`;
}
