/**
 * Runs the real CLI as a user does: the compiled one when the tests run from dist/, the TypeScript source
 * through tsx otherwise.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const compiled = here.split(/[\\/]/).includes('dist');
export const REPO_ROOT = resolve(here, compiled ? '../..' : '..');

export function cliCommand(args: readonly string[]): { command: string; argv: string[] } {
  return compiled
    ? { command: process.execPath, argv: [join(REPO_ROOT, 'dist', 'src', 'cli.js'), ...args] }
    : { command: process.execPath, argv: ['--import', 'tsx', join(REPO_ROOT, 'src', 'cli.ts'), ...args] };
}

export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function startCli(
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): { child: ChildProcess; done: Promise<CliResult> } {
  const { command, argv } = cliCommand(args);
  const child = spawn(command, argv, {
    cwd: options.cwd ?? REPO_ROOT,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  child.stderr?.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  const done = new Promise<CliResult>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return { child, done };
}

/** Runs the CLI to completion; kills it (and fails) after `timeoutMs`. */
export async function runCli(
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<CliResult> {
  const { child, done } = startCli(args, options);
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
  const result = await done;
  clearTimeout(timer);
  return result;
}
