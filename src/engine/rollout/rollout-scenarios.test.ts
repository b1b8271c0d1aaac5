import { describe, expect, it } from 'vitest';
import { alarm, T0 } from './testing/metric-samples.js';
import { hook, rolloutInput } from './testing/rollout-inputs.js';
import { RolloutSimulation } from './testing/rollout-simulation.js';

const MIN = 60_000;
const alarms = [alarm({ minInvocations: 10 }), alarm({ name: 'slower', metric: 'p99Duration', threshold: 0, relative: { factor: 1.2 } })];

describe('scripted rollouts against modelled traffic', () => {
  it('a good version goes through Canary10Percent5Minutes and completes on time', () => {
    const simulation = new RolloutSimulation(rolloutInput({ alarms }), T0, { traffic: { requestsPerSecond: 200, newErrorRate: 0, newDurationMs: 40, oldDurationMs: 40 } }).runUntilDone();
    expect([simulation.state.phase, simulation.state.finishedAt]).toEqual(['succeeded', T0 + 5 * MIN]);
    expect(simulation.state.lastAnalysis.map((evaluation) => evaluation.outcome)).toEqual(['successful', 'successful']);
    expect(simulation.notices.filter((notice) => notice.severity === 'critical' || notice.severity === 'warning')).toEqual([]);
    // Four analyses per second of the 5-minute step (every quarter of the 1 s period).
    expect(simulation.actions.filter((action) => action.type === 'collectMetrics')).toHaveLength(1200);
  });

  it.each([0, 300, 750, 999])('a version failing every call is rolled back within one 1 s period (step starting %i ms into a second)', (offset) => {
    const start = T0 + offset;
    const simulation = new RolloutSimulation(rolloutInput({ alarms }), start, { traffic: { requestsPerSecond: 200, newErrorRate: 1 } }).runUntilDone();
    const rolledBackAt = simulation.weights.find((change) => change.weight === 0)?.at;
    expect(simulation.state.phase).toBe('failed');
    // Caught by the first quarter-period analysis that holds minInvocations (10) calls: 10 at 20 req/s.
    expect(rolledBackAt).toBe(start + 500);
    expect(simulation.failedRequests(start)).toBeLessThanOrEqual(10);
    expect(simulation.state.reason).toMatch(/^alarm "errorRate > 0.05" failed: errorRate 1 > 0.05 in 1 of 1 datapoints \(window (09:59:59|10:00:0\d)(\.\d+)?–10:00:0\d(\.\d+)?\)$/);
  });

  it('a version 300 ms slower trips the relative p99 alarm', () => {
    const simulation = new RolloutSimulation(rolloutInput({ alarms }), T0, { traffic: { requestsPerSecond: 200, newErrorRate: 0, newDurationMs: 350, oldDurationMs: 50 } }).runUntilDone();
    expect(simulation.state.phase).toBe('failed');
    expect(simulation.state.finishedAt).toBe(T0 + 500);
    expect(simulation.state.reason).toBe('alarm "slower" failed: p99Duration 498ms > 119ms (1.2x baseline, baseline 100ms) in 1 of 1 datapoints (window 09:59:59.500–10:00:00.500)');
  });

  it('a failing preTraffic hook means no user request reaches the new version', () => {
    const simulation = new RolloutSimulation(rolloutInput({ alarms, hooks: { preTraffic: hook() } }), T0, {
      traffic: { requestsPerSecond: 200, newErrorRate: 1 },
      hooks: { preTraffic: { outcome: 'failed', reason: 'GET / answered 500', afterMs: 800 } },
    }).runUntilDone();
    expect(simulation.state.phase).toBe('failed');
    expect(simulation.failedRequests(T0)).toBe(0);
  });

  it('a slow trickle of traffic never promotes: the step holds with a warning', () => {
    const simulation = new RolloutSimulation(rolloutInput({ alarms: [alarm()] }), T0, { traffic: { requestsPerSecond: 20, newErrorRate: 0 } }).runUntilDone(10 * MIN);
    expect([simulation.state.phase, simulation.state.weight]).toEqual(['shifting', 10]);
    expect(simulation.notices.filter((notice) => notice.kind === 'inconclusive' && notice.severity === 'warning')).toHaveLength(1);
  });
});

describe('kill -9 of the control plane mid-rollout', () => {
  it('resumes the step with its remaining wait', () => {
    const simulation = new RolloutSimulation(rolloutInput(), T0, { traffic: { requestsPerSecond: 200, newErrorRate: 0 } }).crashAndRestart(T0 + 2 * MIN, T0 + 3 * MIN).runUntilDone();
    expect([simulation.state.phase, simulation.state.finishedAt]).toEqual(['succeeded', T0 + 5 * MIN]);
  });

  it('runs a preTraffic hook whose result was lost again, then continues', () => {
    const simulation = new RolloutSimulation(rolloutInput({ hooks: { preTraffic: hook() } }), T0, {
      traffic: { requestsPerSecond: 200, newErrorRate: 0 },
      hooks: { preTraffic: { outcome: 'succeeded', afterMs: 5000 } },
    })
      .crashAndRestart(T0 + 1000, T0 + 3000)
      .runUntilDone();
    expect(simulation.actions.filter((action) => action.type === 'runHook').map((action) => action.at - T0)).toEqual([0, 3000]);
    expect([simulation.state.phase, simulation.state.finishedAt]).toEqual(['succeeded', T0 + 8000 + 5 * MIN]);
  });

  it('finishes a rollback that was in progress', () => {
    const simulation = new RolloutSimulation(rolloutInput(), T0, { traffic: { requestsPerSecond: 200, newErrorRate: 0 }, commands: [{ at: T0 + MIN, event: { type: 'abort', actor: 'erin' } }] });
    simulation.crashAndRestart(T0 + 2 * MIN, T0 + 4 * MIN);
    expect([simulation.state.phase, simulation.state.reason]).toEqual(['aborted', 'aborted by erin']);
  });
});
