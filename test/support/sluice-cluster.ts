// Several `sluice up` processes on one PostgreSQL, as a team runs them: each with its own home, ports and
// gateway, all with the same DATABASE_URL (a fresh schema per cluster) and the same SLUICE_MASTER_KEY. Also
// deploys through the HTTP API with an app packaged once (faster than a CLI process per deploy), and reads
// the audit timeline straight from the database. The test that starts a cluster stops it: every process,
// also the gateways of processes it killed, and the schema.

import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import pg from 'pg';
import type { AppPackage } from '../../src/engine/index.js';
import { startUp, tempDir, type RunningControlPlane } from './sluice-process.js';

export interface ClusterEvent {
  id: number;
  ts: number;
  type: string;
  actor: string;
  stage: string | null;
  payload: Record<string, unknown>;
}

export interface Cluster {
  planes: RunningControlPlane[];
  schema: string;
  /** A client on the cluster's schema, behind the processes' backs. */
  db: pg.Client;
  /** A new `db` client (after the server restarted under the old one). */
  reconnect(): Promise<void>;
  /** The lease holder name of a process (host and home). */
  holder(plane: RunningControlPlane): string;
  /** SIGKILL of a `sluice up` process; its detached gateway keeps serving (and is stopped by stop()). */
  kill9(plane: RunningControlPlane): Promise<void>;
  events(where?: string): Promise<ClusterEvent[]>;
  stop(): Promise<void>;
}

export async function startCluster(options: { databaseUrl: string; size: number; leaseMs: number; env?: Record<string, string> }): Promise<Cluster> {
  const schema = `sluice_cluster_${randomBytes(4).toString('hex')}`;
  const url = new URL(options.databaseUrl);
  url.searchParams.set('schema', schema);
  const env = {
    DATABASE_URL: url.toString(),
    SLUICE_MASTER_KEY: randomBytes(32).toString('hex'),
    SLUICE_LEASE_MS: String(options.leaseMs),
    ...options.env,
  };
  const homes: Array<Awaited<ReturnType<typeof tempDir>>> = [];
  const planes: RunningControlPlane[] = [];
  const connect = async () => {
    const client = new pg.Client({ connectionString: options.databaseUrl, options: `-c search_path=${schema}` });
    client.on('error', () => undefined);
    await client.connect();
    return client;
  };
  const cluster: Cluster = {
    planes,
    schema,
    db: await connect(),
    async reconnect() {
      await cluster.db.end().catch(() => undefined);
      cluster.db = await connect();
    },
    holder: (plane) => `${hostname()}:${plane.home}`,
    async kill9(plane) {
      plane.process.kill('SIGKILL');
      await plane.stop();
    },
    async events(where = 'true') {
      const { rows } = await cluster.db.query(`select id, ts, type, actor, stage, payload from events where ${where} order by id`);
      return rows.map((row) => ({ ...row, id: Number(row.id), ts: Number(row.ts), payload: JSON.parse(row.payload) as Record<string, unknown> }));
    },
    async stop() {
      await Promise.all(planes.map((plane) => plane.stop()));
      for (const home of homes) await stopGatewayOf(home.path);
      for (const home of homes) await home.remove();
      await cluster.db.query(`drop schema if exists "${schema}" cascade`).catch(() => undefined);
      await cluster.db.end().catch(() => undefined);
    },
  };
  try {
    for (let i = 0; i < options.size; i++) {
      const home = await tempDir(`sluice-cluster-${i}-`);
      homes.push(home);
      planes.push(await startUp({ home: home.path, env }));
    }
  } catch (error) {
    await cluster.stop();
    throw error;
  }
  return cluster;
}

/** A gateway outlives a killed `sluice up`; stop it by the pid it recorded. */
async function stopGatewayOf(home: string): Promise<void> {
  let pid: number;
  try {
    pid = (JSON.parse(await readFile(`${home}/gateway.json`, 'utf8')) as { pid: number }).pid;
  } catch {
    return;
  }
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  for (let i = 0; i < 100; i++) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  process.kill(pid, 'SIGKILL');
}

export interface ApiDeploy {
  stage: string;
  /** The services to deploy (those the package holds bundles for). */
  services: string[];
  params?: Record<string, string>;
  strategy?: string | Record<string, unknown>;
}

/** `POST /api/apps/:app/deploy` with a package built once (what `sluice deploy` uploads). */
export async function deployThroughApi(api: string, pkg: AppPackage, deploy: ApiDeploy): Promise<{ services: Array<{ service: string; rollout: { id: string; status: string } | null }> }> {
  const response = await fetch(`${api}/api/apps/${pkg.app}/deploy`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      stage: deploy.stage,
      services: deploy.services,
      params: deploy.params ?? {},
      strategy: deploy.strategy,
      actor: 'scale-test',
      sources: pkg.sources,
      bundles: Object.fromEntries(Object.entries(pkg.bundles).map(([hash, code]) => [hash, code.toString('base64')])),
      functionCode: pkg.functionCode,
    }),
  });
  const body = (await response.json()) as { services: Array<{ service: string; rollout: { id: string; status: string } | null }> };
  if (!response.ok) throw new Error(`deploy of ${deploy.stage} through ${api} answered ${response.status}: ${JSON.stringify(body)}`);
  return body;
}

/** Polls `check` until it returns something other than undefined/false, or fails after timeoutMs. */
export async function eventually<T>(check: () => Promise<T | undefined | false>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Per rollout: the weights of its `rollout.step` entries in order, and how often it started and succeeded. */
export function stepsByRollout(events: ClusterEvent[]): Map<string, { steps: number[]; started: number; succeeded: number; holders: Set<string> }> {
  const byRollout = new Map<string, { steps: number[]; started: number; succeeded: number; holders: Set<string> }>();
  for (const event of events) {
    const id = event.payload.rolloutId;
    if (typeof id !== 'string' || !event.type.startsWith('rollout.')) continue;
    const entry = byRollout.get(id) ?? { steps: [], started: 0, succeeded: 0, holders: new Set<string>() };
    byRollout.set(id, entry);
    if (event.type === 'rollout.step') entry.steps.push(event.payload.weight as number);
    if (event.type === 'rollout.started') entry.started++;
    if (event.type === 'rollout.succeeded') entry.succeeded++;
    if (typeof event.payload.holder === 'string') entry.holders.add(event.payload.holder);
  }
  return byRollout;
}
