/**
 * The plot loop, the one thing that ticks a plotter (in the pipeline's worker thread and in `pipeline plot`): it
 * ticks on its interval, one tick at a time, logs a failure once however often it repeats, and stops only once the
 * tick under way is done.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { plotLoop, type Tickable } from '../../src/cli/plotLoop.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until(cond: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 3000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(1);
  }
}

/** A plotter whose ticks fail while `failWith` is set, and that counts ticks started, finished and overlapping. */
function fakePlotter(tickMs = 0) {
  const state = {
    started: 0,
    finished: 0,
    running: 0,
    maxRunning: 0,
    failWith: undefined as string | undefined,
  };
  const plotter: Tickable = {
    tick: async () => {
      state.started++;
      state.running++;
      state.maxRunning = Math.max(state.maxRunning, state.running);
      await sleep(tickMs);
      state.running--;
      state.finished++;
      if (state.failWith !== undefined) throw new Error(state.failWith);
    },
  };
  return { plotter, state };
}

describe('plotLoop', () => {
  it('ticks every interval, never two ticks at once', async () => {
    const { plotter, state } = fakePlotter(8);
    const loop = plotLoop(plotter, 2, () => assert.fail('nothing to log'));
    await until(() => state.finished >= 3, 'three ticks');
    await loop.stop();
    assert.equal(state.maxRunning, 1);
  });

  it('logs a failure once while it repeats, carries on, and logs it again after a success', async () => {
    const { plotter, state } = fakePlotter();
    const lines: string[] = [];
    state.failWith = 'EISDIR: illegal operation on a directory';
    const loop = plotLoop(plotter, 2, (level, message) => lines.push(`${level} ${message}`));
    const ticksAfter = (n: number): (() => boolean) => {
      const target = state.finished + n;
      return () => state.finished >= target;
    };
    await until(ticksAfter(3), 'failing ticks');
    state.failWith = undefined;
    await until(ticksAfter(2), 'a successful tick');
    state.failWith = 'EISDIR: illegal operation on a directory';
    await until(ticksAfter(3), 'failing ticks again');
    await loop.stop();
    assert.deepEqual(lines, [
      'error plot: EISDIR: illegal operation on a directory',
      'error plot: EISDIR: illegal operation on a directory',
    ]);
  });

  it('stop waits for the tick under way, and no tick starts after it', async () => {
    const { plotter, state } = fakePlotter(30);
    const loop = plotLoop(plotter, 2, () => undefined);
    await until(() => state.running === 1, 'a tick under way');
    await loop.stop();
    assert.equal(state.running, 0);
    const started = state.started;
    await sleep(20);
    assert.equal(state.started, started);
  });

  it('logs the warnings a tick reports', async () => {
    let ticks = 0;
    const lines: string[] = [];
    const plotter: Tickable = {
      tick: () => Promise.resolve(++ticks === 1 ? { warnings: ['a.json: not a summary'] } : {}),
    };
    const loop = plotLoop(plotter, 2, (level, message) => lines.push(`${level} ${message}`));
    await until(() => ticks >= 3, 'three ticks');
    await loop.stop();
    assert.deepEqual(lines, ['warn plot: a.json: not a summary']);
  });
});
