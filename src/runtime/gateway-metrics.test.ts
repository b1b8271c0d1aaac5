import { describe, expect, it } from 'vitest';
import { GatewayMetrics } from './gateway-metrics.js';
import type { VersionTarget } from './route-table.js';

/** The parts of a routed version the metrics read; a reload (or a commit alias) builds a new one of the same version. */
function target(versionId: string, number: number): VersionTarget {
  const origin = { app: 'shop', stage: 'dev', service: 'api', function: 'hello', versionId };
  return { origin, poolKey: `shop/dev/api/hello@${versionId}`, version: { id: versionId, number } } as unknown as VersionTarget;
}

describe('GatewayMetrics', () => {
  it('keeps one duration series per version across reloads, and one per version', async () => {
    const metrics = new GatewayMetrics({ workers: () => 1, routedVersions: () => 2, routingGeneration: () => 3 });
    metrics.invocation(target('v1', 1), 'success', 4);
    metrics.invocation(target('v1', 1), 'success', 6); // the same version after a reload
    metrics.invocation(target('v1', 1), 'error', 8);
    metrics.invocation(target('v2', 2), 'success', 5);
    const text = await metrics.render();
    const counts = text.split('\n').filter((line) => line.startsWith('sluice_function_duration_seconds_count'));
    expect(counts).toEqual([
      'sluice_function_duration_seconds_count{app="shop",stage="dev",service="api",function="hello",version="1"} 3',
      'sluice_function_duration_seconds_count{app="shop",stage="dev",service="api",function="hello",version="2"} 1',
    ]);
    expect(text).toContain('sluice_function_invocations_total{app="shop",stage="dev",service="api",function="hello",version="1"} 3');
    expect(text).toContain('sluice_function_errors_total{app="shop",stage="dev",service="api",function="hello",version="1"} 1');
  });
});
