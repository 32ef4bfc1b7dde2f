/** Where a features process starts: the saved run continued or a new one, and its progress saved on disk. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FeaturesState } from '../../src/services/featuresState.js';
import {
  defaultStateFile,
  describeFeaturesRun,
  openFeaturesRun,
  planFeaturesRun,
  type NewRunIds,
} from '../../src/services/featuresResume.js';

const ids: NewRunIds = { runId: () => 'new-run', seed: () => 42 };
const unfinished: FeaturesState = {
  version: 1,
  runId: 'old-run',
  seed: 7,
  next: 30,
  count: 100,
  finished: false,
};

describe('planFeaturesRun', () => {
  it('starts a new run at 0 when nothing is saved, with the requested id, seed and count', () => {
    assert.deepEqual(planFeaturesRun(undefined, { runId: 'r', seed: 1, count: 5 }, ids), {
      state: { version: 1, runId: 'r', seed: 1, next: 0, count: 5, finished: false },
      resumed: false,
      count: 5,
    });
    const fresh = planFeaturesRun(undefined, {}, ids);
    assert.equal(fresh.state.runId, 'new-run');
    assert.equal(fresh.state.seed, 42);
  });

  it('an endless run has count Infinity, saved as null', () => {
    const plan = planFeaturesRun(undefined, {}, ids);
    assert.equal(plan.count, Infinity);
    assert.equal(plan.state.count, null);
  });

  it('continues an unfinished run where it stopped, with its own id, seed and count', () => {
    const plan = planFeaturesRun(unfinished, { seed: 99 }, ids);
    assert.equal(plan.resumed, true);
    assert.deepEqual(plan.state, unfinished);
    assert.equal(plan.count, 100);
  });

  it('continues a run asked for by its id, and a requested count replaces the saved one', () => {
    const plan = planFeaturesRun(unfinished, { runId: 'old-run', count: 200 }, ids);
    assert.equal(plan.resumed, true);
    assert.equal(plan.state.next, 30);
    assert.equal(plan.state.count, 200);
    assert.equal(plan.count, 200);
  });

  it('starts a new run after a finished one, for another --run-id, or with --fresh', () => {
    for (const [saved, request] of [
      [{ ...unfinished, finished: true }, {}],
      [unfinished, { runId: 'other' }],
      [unfinished, { fresh: true }],
    ] as const) {
      const plan = planFeaturesRun(saved, request, ids);
      assert.equal(plan.resumed, false);
      assert.equal(plan.state.next, 0);
      assert.notEqual(plan.state.runId, 'old-run');
    }
  });
});

describe('describeFeaturesRun', () => {
  it('says whether the run is new or continued, and its size when it has one', () => {
    const file = '/x/state.json';
    assert.equal(
      describeFeaturesRun(planFeaturesRun(unfinished, {}, ids), file),
      'features: resuming run old-run at record 30 of 100',
    );
    assert.equal(
      describeFeaturesRun(planFeaturesRun(undefined, { count: 3 }, ids), file),
      'features: run new-run, 3 records (progress in /x/state.json)',
    );
    assert.equal(
      describeFeaturesRun(planFeaturesRun(undefined, {}, ids), file),
      'features: run new-run (progress in /x/state.json)',
    );
  });
});

describe('openFeaturesRun', () => {
  it('names the state file after the host', () => {
    assert.equal(defaultStateFile('logs', 'box'), join('logs', 'features-box.state.json'));
  });

  it('saves progress, and a run whose last record was published as finished', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'features-resume-'));
    try {
      const file = join(dir, 'sub', 'state.json');
      const first = await openFeaturesRun(file, { count: 10 }, ids);
      assert.deepEqual(first.serviceOptions, { runId: 'new-run', seed: 42, startSequence: 0, count: 10 });
      first.progress(4);
      await first.close();
      const saved = JSON.parse(await readFile(file, 'utf8')) as FeaturesState;
      assert.deepEqual(saved, {
        version: 1,
        runId: 'new-run',
        seed: 42,
        next: 4,
        count: 10,
        finished: false,
      });

      const second = await openFeaturesRun(file, {}, { runId: () => 'unused', seed: () => 0 });
      assert.equal(second.resumed, true);
      assert.equal(second.serviceOptions.startSequence, 4);
      second.progress(10);
      await second.close();
      assert.equal((JSON.parse(await readFile(file, 'utf8')) as FeaturesState).finished, true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses a damaged state file unless fresh, which does not read it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'features-resume-'));
    try {
      const file = join(dir, 'state.json');
      await writeFile(file, 'not json');
      await assert.rejects(openFeaturesRun(file, {}, ids), /--fresh/);
      const run = await openFeaturesRun(file, { fresh: true, count: 1 }, ids);
      assert.equal(run.resumed, false);
      await run.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
