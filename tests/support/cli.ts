import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export const CLI = path.resolve(__dirname, '../../dist/src/cli/launcher.js');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * The environment of a child process: only what the test gives, plus PATH and the variables that
 * make it share this process's clock (libfaketime's, when the suite runs under `faketime`), so a
 * child never runs on another date than the test that started it.
 */
export function childEnv(env: Record<string, string>): Record<string, string> {
  const clock: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value !== undefined && (name === 'LD_PRELOAD' || name === 'TZ' || name.startsWith('FAKETIME'))) clock[name] = value;
  }
  return { PATH: process.env.PATH ?? '', ...clock, ...env };
}

/**
 * The built CLI (`npm test` builds first), as its own process with only the given environment.
 * `wrapper` runs it under another program, e.g. ['faketime', '-f', '+1h'] for a process whose clock is off.
 */
export function startCli(args: string[], env: Record<string, string>, wrapper: string[] = []): { child: ChildProcess; done: Promise<CliResult> } {
  if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" (npm test does it first)`);
  const [command, ...prefix] = wrapper.length > 0 ? [...wrapper, process.execPath] : [process.execPath];
  const child = spawn(command!, [...prefix, CLI, ...args], {
    // A wrapper such as faketime sets the clock itself: the test clock's variables would stack under it.
    env: wrapper.length > 0 ? { PATH: process.env.PATH ?? '', ...env } : childEnv(env),
    cwd: path.dirname(CLI),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += String(d)));
  child.stderr!.on('data', (d) => (stderr += String(d)));
  const done = new Promise<CliResult>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { child, done };
}

export function runCli(args: string[], env: Record<string, string>, wrapper: string[] = []): Promise<CliResult> {
  return startCli(args, env, wrapper).done;
}

/** The CLI run that must succeed: exit code 0 and nothing on stderr (the test fails showing both otherwise); gives stdout. */
export async function runCliOk(args: string[], env: Record<string, string>): Promise<string> {
  const result = await runCli(args, env);
  expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
  return result.stdout;
}

export const MAIN = path.resolve(__dirname, '../../dist/src/main.js');

export interface BotProcess {
  child: ChildProcess;
  /** The exit code (null when a signal ended it). */
  exited: Promise<number | null>;
  /** Its stdout and stderr so far, interleaved as they came (the logs go to stderr). */
  output(): string;
}

/** The built bot as `npm start` runs it for an owner (dist/src/main.js), as its own process with only the given environment. */
export function startBotProcess(env: Record<string, string>): BotProcess {
  if (!fs.existsSync(MAIN)) throw new Error(`${MAIN} is missing: run "npm run build" (npm test does it first)`);
  const child = spawn(process.execPath, [MAIN], { env: childEnv(env), cwd: path.dirname(MAIN), stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d) => (output += String(d)));
  child.stderr!.on('data', (d) => (output += String(d)));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { child, exited, output: () => output };
}
