// How the gateway decides to batch invocations: by its event-loop utilisation over 100 ms windows, with
// hysteresis (see dispatch-pacing.ts). Then a real worker thread shows what each choice means: invocations
// dispatched in one event-loop turn start together in the worker when batched, one message each otherwise,
// and every one gets its own answer either way.
// Needs the built worker (npx tsc -p tsconfig.json) — see worker-file.ts.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { ALWAYS_BATCH, EventLoopPacing, NEVER_BATCH, PACING_WINDOW_MS, type DispatchPacing, type LoopTime } from './dispatch-pacing.js';
import { FunctionWorker, type InvocationOutcome } from './function-worker.js';
import { resolveWorkerUrl } from './worker-file.js';

/** A fake event loop: `run(activeMs, idleMs)` advances its clock and its cumulative times. */
function fakeLoop() {
  const loop = { time: { active: 0, idle: 0 } as LoopTime, now: 0 };
  return {
    read: () => ({ ...loop.time }),
    now: () => loop.now,
    run(activeMs: number, idleMs: number) {
      loop.time.active += activeMs;
      loop.time.idle += idleMs;
      loop.now += activeMs + idleMs;
    },
  };
}

describe('event-loop pacing', () => {
  it('batches once the loop is busier than half of a window, and stops below 30%', () => {
    const loop = fakeLoop();
    const pacing = new EventLoopPacing(loop.read, loop.now);
    expect(pacing.batching()).toBe(false);
    loop.run(40, 60); // 40%: not busy enough to start
    expect(pacing.batching()).toBe(false);
    loop.run(60, 40); // 60%
    expect(pacing.batching()).toBe(true);
    loop.run(40, 60); // 40%: a batching loop keeps batching (hysteresis)
    expect(pacing.batching()).toBe(true);
    loop.run(20, 80); // 20%
    expect(pacing.batching()).toBe(false);
  });

  it('judges a window only once it is over, and a long quiet spell as quiet', () => {
    const loop = fakeLoop();
    const pacing = new EventLoopPacing(loop.read, loop.now);
    loop.run(PACING_WINDOW_MS - 1, 0); // fully busy, but the window is not over yet
    expect(pacing.batching()).toBe(false);
    loop.run(1, 0);
    expect(pacing.batching()).toBe(true);
    loop.run(90, 10_000); // a burst after ten quiet seconds is judged on the whole spell
    expect(pacing.batching()).toBe(false);
  });

  it('keeps its judgement while the event loop has not started (times stay at zero)', () => {
    let now = 0;
    const pacing = new EventLoopPacing(() => ({ active: 0, idle: 0 }), () => now);
    now += 5 * PACING_WINDOW_MS;
    expect(pacing.batching()).toBe(false);
  });

  it('reads the real event loop by default: a loop kept busy for a window batches, an idle one not', async () => {
    const pacing = new EventLoopPacing();
    await new Promise<void>((resolve) => setImmediate(() => {
      const until = performance.now() + PACING_WINDOW_MS + 20;
      while (performance.now() < until); // the loop is busy for the whole window
      resolve();
    }));
    expect(pacing.batching()).toBe(true);
    // Idle from here. On a loaded machine the thread's other work (the test runner's) can keep one window
    // busy, so the pacing is given up to 20 windows to see an idle one.
    let batching = true;
    for (let windows = 0; windows < 20 && batching; windows++) {
      await new Promise((resolve) => setTimeout(resolve, PACING_WINDOW_MS));
      batching = pacing.batching();
    }
    expect(batching).toBe(false);
  });
});

// The handler answers how many invocations started in its worker within the same microtask turn: those of
// one message start in one synchronous loop, each message is delivered in a turn of its own.
const TURN_COUNTING_HANDLER = `
let turn;
export const handler = async (event) => {
  if (turn === undefined) {
    turn = { started: 0 };
    const current = turn;
    queueMicrotask(() => { if (turn === current) turn = undefined; });
  }
  const current = turn;
  current.started += 1;
  await new Promise((resolve) => setTimeout(resolve, 5));
  return { n: event.n, startedTogether: current.started };
};`;

describe('dispatching to a worker thread', () => {
  let dir: string | undefined;
  let worker: FunctionWorker | undefined;
  afterEach(async () => {
    await worker?.terminate();
    if (dir) await rm(dir, { recursive: true, force: true });
    worker = undefined;
    dir = undefined;
  });

  async function startWorker(pacing: DispatchPacing): Promise<FunctionWorker> {
    dir = await mkdtemp(join(tmpdir(), 'sluice-pacing-test-'));
    const file = join(dir, 'handler.mjs');
    await writeFile(file, TURN_COUNTING_HANDLER);
    worker = new FunctionWorker({
      workerUrl: resolveWorkerUrl(),
      spec: {
        moduleUrl: pathToFileURL(file).href,
        handlerExport: 'handler',
        app: 'shop',
        stage: 'dev',
        service: 'api',
        function: 'count',
        functionName: 'shop-dev-api-count',
        functionVersion: '1',
        invokedFunctionArn: 'arn:aws:lambda:local:000000000000:function:shop-dev-api-count:live',
        memoryLimitInMB: 128,
        logGroupName: '/aws/lambda/shop-dev-api-count',
        logStreamName: 'test',
      },
      env: {},
      memoryMb: 128,
      timeoutMs: 10_000,
      pacing,
      onLog: () => undefined,
      onTableCall: () => Promise.resolve(undefined),
      onInitFailed: () => undefined,
      onExit: () => undefined,
    });
    await worker.started;
    return worker;
  }

  /** Dispatches `count` invocations in one synchronous loop (one event-loop turn of the host). */
  function dispatchTogether(target: FunctionWorker, count: number): Promise<InvocationOutcome[]> {
    return Promise.all(
      Array.from({ length: count }, (_, n) => new Promise<InvocationOutcome>((resolve) => {
        target.dispatch({ id: n + 1, requestId: `req-${n}`, deadline: Date.now() + 10_000, payload: { kind: 'event', event: { n } } }, resolve);
      })),
    );
  }

  const answers = (outcomes: InvocationOutcome[]) =>
    outcomes.map((outcome) => (outcome.kind === 'result' ? (JSON.parse(outcome.json) as { n: number; startedTogether: number }) : outcome));

  it('batched: the invocations of one turn reach the worker in one message and start together', async () => {
    const outcomes = answers(await dispatchTogether(await startWorker(ALWAYS_BATCH), 10));
    expect(outcomes).toEqual(Array.from({ length: 10 }, (_, n) => ({ n, startedTogether: 10 })));
  });

  it('not batched: each invocation leaves at once, in a message of its own', async () => {
    const outcomes = answers(await dispatchTogether(await startWorker(NEVER_BATCH), 10));
    expect(outcomes).toEqual(Array.from({ length: 10 }, (_, n) => ({ n, startedTogether: 1 })));
  });
});
