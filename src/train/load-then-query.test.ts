/**
 * SQL sent while a dataset loads waits for the load (dispatcher.ts loadSettled): the factor pass reads a streamed
 * result and lets messages in between batches (its helpers' replies), and the engine refuses other statements while
 * a stream is open, so a query answered mid-load would fail or see half-made tables. Real worker_thread helpers, the
 * bundled dataset (its 6 row groups, the parallel factor pass).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createDispatcher } from './dispatcher';
import { nodeDataIO } from './node-io';
import { defaultRun } from '../core/run';
import { ReplyType, RequestType, type WorkerReply } from './protocol';

const io = nodeDataIO(undefined, { prepHelpers: 1 });
afterAll(() => io.close());

describe('a query during a load', () => {
  it('is answered after the load, on the whole prices table', async () => {
    const replies: { at: number; msg: WorkerReply }[] = [];
    const dispatch = createDispatcher({ io: () => io }, (msg) => replies.push({ at: performance.now(), msg }));
    const spec = { kind: 'bundled', name: 'us-large-cap-2012-2019' } as const;
    const load = dispatch({ type: RequestType.LOAD_DATASET, requestId: 1, spec, prep: defaultRun.preprocessing });
    // the query arrives while the load runs (a macrotask later, as a message would)
    await new Promise((r) => setImmediate(r));
    const query = dispatch({ type: RequestType.QUERY, requestId: 2, sql: 'SELECT count(*)::INTEGER AS n FROM prices' });
    await Promise.all([load, query]);
    const last = (id: number) => replies.filter((r) => r.msg.requestId === id && r.msg.type !== ReplyType.PROGRESS).at(-1)!;
    const dataset = last(1),
      result = last(2);
    expect(dataset.msg.type).toBe(ReplyType.DATASET);
    if (result.msg.type !== ReplyType.QUERY_RESULT) throw new Error(`the query got ${JSON.stringify(result.msg).slice(0, 300)}`);
    expect(result.at).toBeGreaterThan(dataset.at);
    const n = Number(result.msg.result.rows[0][0]);
    // the bundled file's rows (2012-2019, ~400 stocks x ~2,000 days), all of them: the table was complete
    expect(n).toBeGreaterThan(700_000);
    expect(io.crossSectionPool!()!.size).toBe(1);
  }, 120_000);
});
