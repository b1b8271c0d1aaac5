// The claim loop and the lease-holding driver, with fake clocks and a real (SQLite) store: two drivers on
// one store are two control-plane processes. A process that is "dead" or "paused" is one whose clock does
// not move: its timers never fire and it renews nothing, while the other's clock runs on.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { createSecretBox } from '../secrets/index.js';
import { openStore, type EventRecord, type Store } from '../store/index.js';
import { FakeClock } from './clock.js';
import { EventBus } from './event-bus.js';
import type { EngineContext } from './ports.js';
import { LeaseLostError } from './rollout-claims.js';
import { RolloutDriver } from './rollout-driver.js';
import { applyRolloutWeight } from './rollout-routing.js';
import { createRollout } from './rollout/index.js';
import { rolloutInput } from './rollout/testing/rollout-inputs.js';
import type { RolloutState } from './rollout/types.js';

const LEASE_MS = 4000;
const START = 1_700_000_000_000;
const undo: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (undo.length > 0) await undo.pop()!();
});

async function freshStore(): Promise<Store> {
  const home = await mkdtemp(join(tmpdir(), 'sluice-claims-'));
  undo.push(() => rm(home, { recursive: true, force: true }));
  const store = await openStore({ home });
  undo.push(() => store.close());
  const version = (id: string) => ({ id, app: 'shop', service: 'api', function: 'submit', codeHash: `code-${id}`, config: { runtime: 'node20', handler: 'h.h', handlerExport: 'h', timeout: 6, memory: 128, concurrency: 1, environment: {}, secretEnvironment: {}, events: [] } });
  await store.createVersion(version('v1'));
  await store.createVersion(version('v2'));
  await store.setAlias({ app: 'shop', stage: 'prod', service: 'api', function: 'submit', name: 'live', targets: [{ versionId: 'v1', weight: 100 }] });
  await store.createDeployment({ id: 'd-1', app: 'shop', stage: 'prod', service: 'api', strategy: 'steps', actor: 'ann' });
  return store;
}

function engine(store: Store, clock: FakeClock): EngineContext {
  return {
    store,
    invoker: { invoke: async () => ({ result: { status: 'Succeeded' } }) },
    events: new EventBus(),
    secrets: createSecretBox(randomBytes(32)),
    routing: { routingChanged: async () => undefined },
    gatewayUrl: 'http://127.0.0.1:1',
    env: {},
    region: 'local',
    now: () => clock.now(),
  };
}

function driver(store: Store, clock: FakeClock, holder: string, context: EngineContext = engine(store, clock)): RolloutDriver {
  const created = new RolloutDriver(context, { clock, holder, leaseMs: LEASE_MS, onError: (error) => { throw error; } });
  undo.push(() => created.stop());
  return created;
}

/** Moves the clock in small steps, letting every driver finish what each step started. */
async function advance(clock: FakeClock, ms: number, drivers: RolloutDriver[], stepMs = 250): Promise<void> {
  for (let moved = 0; moved < ms; moved += stepMs) {
    clock.advance(Math.min(stepMs, ms - moved));
    for (let i = 0; i < 3; i++) await Promise.all(drivers.map((d) => d.idle()));
  }
}

const STEPS = { type: 'steps', weights: [20, 50], interval: '10s' };

async function begin(on: RolloutDriver, clock: FakeClock): Promise<RolloutState> {
  const { state, actions } = createRollout(rolloutInput({ strategy: STEPS }), clock.now());
  await on.begin(state, actions, 'ann');
  return state;
}

async function timeline(store: Store): Promise<EventRecord[]> {
  return store.listEvents({ app: 'shop', limit: 1000 });
}

const weightOf = async (store: Store) => (await store.listAliases('shop', 'prod', 'api'))[0].targets.find((t) => t.versionId === 'v2')?.weight ?? 0;

describe('the claim loop', () => {
  it('takes over the rollouts of a dead process within one lease period, and finishes each step once', async () => {
    const store = await freshStore();
    const [clockA, clockB] = [new FakeClock(START), new FakeClock(START)];
    const a = driver(store, clockA, 'a');
    const b = driver(store, clockB, 'b');
    await Promise.all([a.resume(), b.resume()]);
    await begin(a, clockA);
    expect(await weightOf(store)).toBe(20);
    expect((await store.getRollout('r-1'))?.lease).toMatchObject({ holder: 'a', token: 1 });

    // a dies: its clock stops. b does not touch the rollout while a's lease lasts...
    await advance(clockB, LEASE_MS - 1100, [b]);
    expect((await store.getRollout('r-1'))?.lease?.holder).toBe('a');
    // ...and holds it one lease period after a's last renewal at the latest.
    await advance(clockB, 1100, [b]);
    expect((await store.getRollout('r-1'))?.lease).toMatchObject({ holder: 'b', token: 2 });
    expect(b.leaseTakeovers).toBe(1);
    expect(b.heldLeases).toBe(1);

    await advance(clockB, 25_000, [b]);
    const record = await store.getRollout('r-1');
    expect(record?.status).toBe('succeeded');
    expect(record?.lease).toBeUndefined();
    expect(await weightOf(store)).toBe(100);
    const events = await timeline(store);
    const steps = events.filter((e) => e.type === 'rollout.step').map((e) => [e.payload.weight, e.payload.holder]);
    expect(steps).toEqual([[20, 'a'], [50, 'b'], [100, 'b']]);
    expect(events.filter((e) => e.type === 'rollout.succeeded')).toHaveLength(1);
    expect(events.filter((e) => e.type === 'lease.takeover').map((e) => e.payload)).toEqual([
      expect.objectContaining({ rolloutId: 'r-1', previousHolder: 'a', holder: 'b', token: 2, expiredAt: START + 3000 }),
    ]);
    expect((await store.getDeployment('d-1'))?.status).toBe('succeeded');
  });

  it('refuses every write of a paused process that lost its lease: no weight flip, no second step', async () => {
    const store = await freshStore();
    const [clockA, clockB] = [new FakeClock(START), new FakeClock(START)];
    const a = driver(store, clockA, 'a');
    const b = driver(store, clockB, 'b');
    await Promise.all([a.resume(), b.resume()]);
    await begin(a, clockA);
    // b takes over while a is paused, and moves the rollout to its end.
    await advance(clockB, 30_000, [b]);
    expect((await store.getRollout('r-1'))?.status).toBe('succeeded');
    const generation = await store.getRoutingGeneration();

    // a wakes up: its next renewal finds the lease gone, so it drops it with its wake-up, and writes nothing.
    await advance(clockA, 12_000, [a]);
    expect(a.heldLeases).toBe(0);
    expect(await weightOf(store)).toBe(100);
    expect(await store.getRoutingGeneration()).toBe(generation);
    expect((await timeline(store)).filter((e) => e.type === 'rollout.step')).toHaveLength(3);
  });

  it('fences the routing write of a holder that lost the lease between its save and its weight change', async () => {
    const store = await freshStore();
    const clock = new FakeClock(START);
    const b = driver(store, clock, 'b');
    const { state, actions } = createRollout(rolloutInput({ strategy: STEPS }), clock.now());
    await store.createRollout({ id: state.id, app: state.app, stage: state.stage, service: state.service, deploymentId: state.deploymentId, status: 'active', state: state as never, wakeAt: null }, { holder: 'a', now: clock.now(), ttlMs: 1000 });
    void actions;
    clock.advance(1000);
    await b.resume();
    await b.idle();
    expect((await store.getRollout('r-1'))?.lease?.holder).toBe('b');
    const generation = await store.getRoutingGeneration();
    const staleFence = async (tx: Store) => {
      if (!(await tx.holdsRolloutLease('r-1', { holder: 'a', token: 1 }))) throw new LeaseLostError('r-1', 1);
    };
    await expect(applyRolloutWeight(engine(store, clock), { ...state, weight: 50 }, 50, staleFence)).rejects.toBeInstanceOf(LeaseLostError);
    expect(await store.getRoutingGeneration()).toBe(generation);
    expect(await weightOf(store)).toBe(20);
  });

  it('applies an event that reached a process without the lease exactly once, through the holder', async () => {
    const store = await freshStore();
    const clock = new FakeClock(START);
    const a = driver(store, clock, 'a');
    const b = driver(store, clock, 'b');
    await Promise.all([a.resume(), b.resume()]);
    await begin(a, clock);
    const forwarded = b.dispatch('r-1', { type: 'pause', actor: 'ann' });
    await advance(clock, 2000, [a, b], 50);
    await forwarded;
    const record = await store.getRollout('r-1');
    expect(record?.state).toMatchObject({ paused: true });
    expect(record?.lease?.holder).toBe('a');
    expect(await store.listRolloutInbox('r-1')).toEqual([]);
    const paused = (await timeline(store)).filter((e) => e.type === 'rollout.paused');
    expect(paused.map((e) => [e.actor, e.payload.holder])).toEqual([['ann', 'a']]);
    expect(b.heldLeases).toBe(0);
  });

  it('lets a process claim a rollout for an event when nobody holds it, and hands everything back on stop', async () => {
    const store = await freshStore();
    const clock = new FakeClock(START);
    const a = driver(store, clock, 'a');
    await a.resume();
    await begin(a, clock);
    await a.stop();
    expect((await store.getRollout('r-1'))?.lease).toBeUndefined();

    const b = driver(store, clock, 'b');
    await b.dispatch('r-1', { type: 'promote', full: true, actor: 'bob' });
    await b.idle();
    expect(await store.getRollout('r-1')).toMatchObject({ status: 'succeeded' });
    expect(b.leaseTakeovers).toBe(0);
    expect((await timeline(store)).filter((e) => e.type === 'rollout.promoted' || e.type === 'rollout.succeeded').map((e) => e.actor)).toEqual(['bob', 'bob']);
  });

  it('takes its own rollouts back at once after a restart under the same name, fencing its earlier self', async () => {
    const store = await freshStore();
    const clock = new FakeClock(START);
    const before = driver(store, clock, 'a');
    await before.resume();
    await begin(before, clock);
    const restarted = driver(store, clock, 'a');
    expect(await restarted.resume()).toBe(1);
    expect((await store.getRollout('r-1'))?.lease).toMatchObject({ holder: 'a', token: 2 });
    expect(restarted.leaseTakeovers).toBe(0);
    await advance(clock, 25_000, [restarted, before]);
    expect((await store.getRollout('r-1'))?.status).toBe('succeeded');
    expect((await timeline(store)).filter((e) => e.type === 'rollout.step')).toHaveLength(3);
  });

  it('steps a held rollout that is due from its claim loop when no timer is set: timers only make it faster', async () => {
    const store = await freshStore();
    const clock = new FakeClock(START);
    const a = driver(store, clock, 'a');
    await a.resume();
    await begin(a, clock);
    // As if the wake-up were lost (a failed step, say): only the loop can notice the rollout is due.
    (a as unknown as { cancelWake(id: string): void }).cancelWake('r-1');
    await advance(clock, 9_999, [a]);
    expect(await weightOf(store)).toBe(20);
    await advance(clock, LEASE_MS / 4, [a]);
    expect(await weightOf(store)).toBe(50);
  });

  it('resolves `settled` when another process ends the rollout', async () => {
    const store = await freshStore();
    const [clockA, clockB] = [new FakeClock(START), new FakeClock(START)];
    const a = driver(store, clockA, 'a');
    const b = driver(store, clockB, 'b');
    await Promise.all([a.resume(), b.resume()]);
    await begin(a, clockA);
    const settled = a.settled('r-1');
    await advance(clockB, 30_000, [b]);
    // a's loop looks again on its next pass (its clock moves, but its lease is long gone).
    await advance(clockA, LEASE_MS, [a]);
    expect((await settled).status).toBe('succeeded');
  });
});
