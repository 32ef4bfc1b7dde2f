/**
 * Declares a scenario once per transport: a `describe` per transport that opens its rig before its tests and
 * disposes of it after, and a helper giving each test a fresh pipeline that is ended (every process, by pid)
 * whatever the test's outcome.
 */
import { after, before, describe, type TestContext } from 'node:test';
import { Pipeline, type PipelineOptions } from './pipeline.js';
import { openRig, TRANSPORT_LABEL, type FaultTransport, type Rig } from './rig.js';

export interface ScenarioContext {
  readonly transport: FaultTransport;
  /** The rig, or undefined when the test skipped itself (broker unreachable). */
  pipeline(t: TestContext, options: PipelineOptions): Promise<Pipeline | undefined>;
  rig(t: TestContext): Rig | undefined;
}

export function overEachTransport(
  title: string,
  transports: readonly FaultTransport[],
  define: (ctx: ScenarioContext) => void,
): void {
  for (const transport of transports)
    describe(`${title}, over ${TRANSPORT_LABEL[transport]}`, () => {
      let opened: Rig | string = 'the rig did not open';
      before(async () => {
        opened = await openRig(transport);
      });
      after(async () => {
        if (typeof opened !== 'string') await opened.dispose();
      });
      const rig = (t: TestContext): Rig | undefined => {
        if (typeof opened !== 'string') return opened;
        t.skip(opened);
        return undefined;
      };
      define({
        transport,
        rig,
        pipeline: async (t, options) => {
          const r = rig(t);
          if (r === undefined) return undefined;
          const p = await Pipeline.create(r, options);
          t.after(() => p.dispose());
          return p;
        },
      });
    });
}
