// Every five minutes: post a heartbeat submission to the REST API of the same stage.
export async function handler(event: { source?: string }) {
  const response = await fetch(`${process.env.RESTAPI_URL}/submissions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': process.env.API_KEY ?? '' },
    body: JSON.stringify({ name: 'tasks', message: `heartbeat (${event.source ?? 'manual'})` }),
  });
  const body = await response.json();
  console.log(`restapi answered ${response.status}`);
  return { status: response.status, submission: body };
}
