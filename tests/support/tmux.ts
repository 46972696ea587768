import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { randomBytes } from 'node:crypto';
import { childEnv } from './cli';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Quotes one word for sh. */
function shellWord(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * A program run in a real terminal (a tmux pane, 120x40, on a socket of its own), driven as a
 * person would: keys in, the screen read back. The pane stays after the program ends and shows
 * `[exited N]`, so a test can read the exit code.
 */
export class TmuxTerminal {
  private readonly socket = `smb-${process.pid}-${randomBytes(4).toString('hex')}`;
  private alive = false;
  private socketPath = '';

  constructor(
    command: string[],
    env: Record<string, string>,
    cwd: string,
  ) {
    const line = `${command.map(shellWord).join(' ')}; echo "[exited $?]"; sleep 600`;
    // tmux (and so the program in its pane) gets exactly the test's environment and clock.
    execFileSync('tmux', ['-L', this.socket, '-f', '/dev/null', 'new-session', '-d', '-x', '120', '-y', '40', '-s', 'main', '-c', cwd, line], {
      env: childEnv({ ...env, TERM: 'xterm-256color', LANG: 'C.UTF-8' }),
      stdio: 'ignore',
    });
    this.alive = true;
    this.socketPath = execFileSync('tmux', ['-L', this.socket, 'display-message', '-p', '#{socket_path}'], { encoding: 'utf8' }).trim();
  }

  /** Keys by tmux name: 'Enter', 'Down', 'C-c', … */
  keys(...keys: string[]): void {
    execFileSync('tmux', ['-L', this.socket, 'send-keys', '-t', 'main', ...keys], { stdio: 'ignore' });
  }

  /** Text typed literally. */
  type(text: string): void {
    execFileSync('tmux', ['-L', this.socket, 'send-keys', '-t', 'main', '-l', text], { stdio: 'ignore' });
  }

  /** Everything the pane showed since it started (wrapped lines joined). */
  history(): string {
    return execFileSync('tmux', ['-L', this.socket, 'capture-pane', '-p', '-J', '-S', '-', '-t', 'main'], { encoding: 'utf8' });
  }

  /** What the pane shows now. */
  screen(): string {
    return execFileSync('tmux', ['-L', this.socket, 'capture-pane', '-p', '-J', '-t', 'main'], { encoding: 'utf8' });
  }

  /**
   * Waits until the pane has shown `pattern` (`count` times: a question asked again); fails with
   * what the pane shows. Answers the last match.
   */
  async waitFor(pattern: RegExp | string, options: { count?: number; timeoutMs?: number } = {}): Promise<RegExpMatchArray> {
    const source = typeof pattern === 'string' ? pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') : pattern.source;
    const re = new RegExp(source, 'g');
    const count = options.count ?? 1;
    const timeoutMs = options.timeoutMs ?? 20_000;
    const deadline = Date.now() + timeoutMs;
    let last = '';
    while (Date.now() < deadline) {
      last = this.history();
      const found = [...last.matchAll(re)];
      if (found.length >= count) return found[count - 1]!;
      await sleep(50);
    }
    throw new Error(`the terminal did not show ${String(re)}${count > 1 ? ` ${count} times` : ''} within ${timeoutMs} ms; it shows:\n${last}`);
  }

  /**
   * In a list prompt, moves the pointer (❯) to the line containing `label` and presses Enter.
   * Fails with the screen when the label is not in the list.
   */
  async choose(label: string): Promise<void> {
    for (let step = 0; step < 30; step++) {
      const pointer = this.screen()
        .split('\n')
        .find((l) => l.trimStart().startsWith('❯'));
      if (pointer?.includes(label)) {
        this.keys('Enter');
        await sleep(100);
        return;
      }
      this.keys('Down');
      await sleep(80);
    }
    throw new Error(`"${label}" is not in the list on screen:\n${this.screen()}`);
  }

  /** The line the list pointer is on now. */
  pointerLine(): string | undefined {
    return this.screen()
      .split('\n')
      .find((l) => l.trimStart().startsWith('❯'));
  }

  kill(): void {
    if (!this.alive) return;
    this.alive = false;
    try {
      execFileSync('tmux', ['-L', this.socket, 'kill-server'], { stdio: 'ignore' });
    } catch {
      // Already gone.
    }
    // The server leaves its socket file behind.
    if (this.socketPath) fs.rmSync(this.socketPath, { force: true });
  }
}
