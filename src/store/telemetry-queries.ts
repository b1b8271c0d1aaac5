// What running functions and the control plane leave behind: function logs, per-second metric buckets, and
// the append-only event log. Written often and in batches, so every write here is one statement per batch.

import type { Insertable, Selectable } from 'kysely';
import { DURATION_BUCKETS_MS } from './types.js';
import type { EventQuery, EventRecord, LogEntry, LogLevel, LogQuery, MetricQuery, MetricSample, NewEvent, StoredLogEntry } from './types.js';
import { HISTOGRAM_COLUMNS, type EventsTable, type MetricsTable } from './schema.js';
import { type StoreContext, chunks } from './store-context.js';

if (HISTOGRAM_COLUMNS.length !== DURATION_BUCKETS_MS.length) {
  throw new Error('The metrics table has one column per duration bucket: add a migration when DURATION_BUCKETS_MS changes.');
}

// Rows per statement: logs bind 9 parameters a row, metrics 28; both stay far below SQLite's 32,766 and
// PostgreSQL's 65,535 bound parameters.
const LOG_ROWS_PER_INSERT = 1000;
const METRIC_ROWS_PER_INSERT = 500;

export async function appendLogs(ctx: StoreContext, entries: LogEntry[]): Promise<void> {
  for (const batch of chunks(entries, LOG_ROWS_PER_INSERT)) {
    await ctx.db.insertInto('logs').values(batch.map((entry) => ({
      ts: entry.ts,
      app: entry.app,
      stage: entry.stage,
      service: entry.service,
      function: entry.function,
      version_id: entry.versionId,
      request_id: entry.requestId,
      level: entry.level,
      // PostgreSQL text cannot hold U+0000; a handler printing one must not lose its whole batch.
      message: entry.message.includes('\u0000') ? entry.message.replaceAll('\u0000', '\\0') : entry.message,
    }))).execute();
  }
}

/** The newest `limit` (default 100) matching entries, oldest first. */
export async function queryLogs(ctx: StoreContext, query: LogQuery): Promise<StoredLogEntry[]> {
  let select = ctx.db.selectFrom('logs').selectAll().where('app', '=', query.app).where('stage', '=', query.stage);
  if (query.service !== undefined) select = select.where('service', '=', query.service);
  if (query.function !== undefined) select = select.where('function', '=', query.function);
  if (query.afterId !== undefined) select = select.where('id', '>', query.afterId);
  if (query.sinceTs !== undefined) select = select.where('ts', '>=', query.sinceTs);
  const rows = await select.orderBy('id', 'desc').limit(query.limit ?? 100).execute();
  return rows.reverse().map((row) => ({
    id: row.id,
    ts: row.ts,
    app: row.app,
    stage: row.stage,
    service: row.service,
    function: row.function,
    versionId: row.version_id,
    requestId: row.request_id,
    level: row.level as LogLevel,
    message: row.message,
  }));
}

export async function deleteLogs(ctx: StoreContext, app: string, stage: string): Promise<void> {
  await ctx.db.deleteFrom('logs').where('app', '=', app).where('stage', '=', stage).execute();
}

/**
 * Samples are first summed in memory by key: PostgreSQL refuses an upsert that touches one row twice in a
 * statement. Then one `insert … on conflict do update set c = metrics.c + excluded.c` adds them to the
 * stored buckets.
 */
export async function addMetrics(ctx: StoreContext, samples: MetricSample[]): Promise<void> {
  const rows = new Map<string, Insertable<MetricsTable>>();
  for (const s of samples) {
    const key = JSON.stringify([s.app, s.stage, s.service, s.function, s.versionId, s.bucket]);
    const row = rows.get(key);
    if (row) {
      row.invocations += s.invocations;
      row.errors += s.errors;
      row.throttles += s.throttles;
      row.duration_sum_ms += s.durationSumMs;
      HISTOGRAM_COLUMNS.forEach((column, i) => { row[column] = (row[column] ?? 0) + (s.durationHistogram[i] ?? 0); });
      continue;
    }
    const histogram = Object.fromEntries(HISTOGRAM_COLUMNS.map((column, i) => [column, s.durationHistogram[i] ?? 0]));
    rows.set(key, {
      app: s.app, stage: s.stage, service: s.service, function: s.function, version_id: s.versionId, bucket: s.bucket,
      invocations: s.invocations, errors: s.errors, throttles: s.throttles, duration_sum_ms: s.durationSumMs,
      ...(histogram as Record<(typeof HISTOGRAM_COLUMNS)[number], number>),
    });
  }
  const sums = ['invocations', 'errors', 'throttles', 'duration_sum_ms', ...HISTOGRAM_COLUMNS] as const;
  for (const batch of chunks([...rows.values()], METRIC_ROWS_PER_INSERT)) {
    await ctx.db.insertInto('metrics').values(batch)
      .onConflict((oc) => oc.columns(['app', 'stage', 'service', 'function', 'version_id', 'bucket'])
        .doUpdateSet((eb) => Object.fromEntries(sums.map((column) => [column, eb(`metrics.${column}`, '+', eb.ref(`excluded.${column}`))]))))
      .execute();
  }
}

function toSample(row: Selectable<MetricsTable>): MetricSample {
  return {
    app: row.app,
    stage: row.stage,
    service: row.service,
    function: row.function,
    versionId: row.version_id,
    bucket: row.bucket,
    invocations: row.invocations,
    errors: row.errors,
    throttles: row.throttles,
    durationSumMs: row.duration_sum_ms,
    durationHistogram: HISTOGRAM_COLUMNS.map((column) => row[column]),
  };
}

/** Stored buckets in time order; fromBucket and toBucket are inclusive. */
export async function queryMetrics(ctx: StoreContext, query: MetricQuery): Promise<MetricSample[]> {
  let select = ctx.db.selectFrom('metrics').selectAll().where('app', '=', query.app).where('stage', '=', query.stage);
  if (query.service !== undefined) select = select.where('service', '=', query.service);
  if (query.function !== undefined) select = select.where('function', '=', query.function);
  if (query.versionId !== undefined) select = select.where('version_id', '=', query.versionId);
  if (query.fromBucket !== undefined) select = select.where('bucket', '>=', query.fromBucket);
  if (query.toBucket !== undefined) select = select.where('bucket', '<=', query.toBucket);
  const rows = await select.orderBy('bucket').orderBy('service').orderBy('function').orderBy('version_id').execute();
  return rows.map(toSample);
}

export async function deleteMetrics(ctx: StoreContext, app: string, stage: string): Promise<void> {
  await ctx.db.deleteFrom('metrics').where('app', '=', app).where('stage', '=', stage).execute();
}

function toEvent(row: Selectable<EventsTable>): EventRecord {
  return {
    id: row.id,
    ts: row.ts,
    type: row.type,
    actor: row.actor,
    app: row.app,
    stage: row.stage,
    service: row.service,
    payload: JSON.parse(row.payload) as Record<string, unknown>,
    commitSha: row.commit_sha,
  };
}

export async function appendEvent(ctx: StoreContext, event: NewEvent): Promise<EventRecord> {
  const row = await ctx.db.insertInto('events').values({
    ts: event.ts ?? ctx.now(),
    type: event.type,
    actor: event.actor,
    app: event.app,
    stage: event.stage,
    service: event.service,
    payload: JSON.stringify(event.payload),
    commit_sha: event.commitSha ?? null,
  }).returningAll().executeTakeFirstOrThrow();
  return toEvent(row);
}

/**
 * Events in id order. With afterId: the oldest `limit` after it, so a follower pages forward without gaps.
 * Without: the newest `limit`. Default limit 100.
 */
export async function listEvents(ctx: StoreContext, query: EventQuery): Promise<EventRecord[]> {
  let select = ctx.db.selectFrom('events').selectAll();
  if (query.app !== undefined) select = select.where('app', '=', query.app);
  if (query.stage !== undefined) select = select.where('stage', '=', query.stage);
  if (query.sinceTs !== undefined) select = select.where('ts', '>=', query.sinceTs);
  const limit = query.limit ?? 100;
  if (query.afterId !== undefined) {
    return (await select.where('id', '>', query.afterId).orderBy('id').limit(limit).execute()).map(toEvent);
  }
  return (await select.orderBy('id', 'desc').limit(limit).execute()).reverse().map(toEvent);
}
