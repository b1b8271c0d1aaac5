// Submissions API: POST stores a submission (requires the x-api-key header), GET lists or reads them.
import { randomUUID } from 'node:crypto';
import { table } from 'sluice/tables';

interface HttpEvent {
  headers: Record<string, string | undefined>;
  body?: string;
  isBase64Encoded?: boolean;
  pathParameters?: Record<string, string>;
  queryStringParameters?: Record<string, string>;
}

const submissions = () => table(process.env.TABLE as string);
const json = (statusCode: number, body: unknown) => ({ statusCode, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

export async function submit(event: HttpEvent) {
  if (event.headers['x-api-key'] !== process.env.API_KEY) return json(401, { message: 'missing or wrong x-api-key' });
  const raw = event.isBase64Encoded ? Buffer.from(event.body ?? '', 'base64').toString('utf8') : event.body ?? '';
  let input: { name?: unknown; message?: unknown };
  try {
    input = JSON.parse(raw || '{}');
  } catch {
    return json(400, { message: 'body must be JSON' });
  }
  if (typeof input.name !== 'string' || input.name.length === 0) return json(400, { message: 'name is required' });
  const item = { id: `${Date.now().toString(36)}-${randomUUID().slice(0, 8)}`, name: input.name, message: String(input.message ?? ''), at: new Date().toISOString() };
  await submissions().put(item);
  console.log(`stored submission ${item.id} from ${item.name} in ${process.env.TABLE}`);
  return json(201, item);
}

export async function list(event: HttpEvent) {
  const limit = Math.min(Number(event.queryStringParameters?.limit ?? 50) || 50, 500);
  const items = await submissions().query({ limit });
  return { table: process.env.TABLE, count: items.length, items };
}

export async function get(event: HttpEvent) {
  const item = await submissions().get(event.pathParameters?.id ?? '');
  return item ? json(200, item) : json(404, { message: 'no such submission' });
}
