// The workshop's integration step: stores a submission through the deployed REST API and reads it back.
// The pipeline gives each service's URL as SLUICE_URL_<SERVICE>.
const api = process.env.SLUICE_URL_RESTAPI;
if (!api) throw new Error('SLUICE_URL_RESTAPI is not set: run this as the pipeline integration step');
const apiKey = process.env.API_KEY ?? '23423-dev';
const created = await fetch(`${api}/submissions`, {
  method: 'POST',
  headers: { 'content-type': 'application/json', 'x-api-key': apiKey },
  body: JSON.stringify({ name: 'integration', message: `from ${process.env.SLUICE_BRANCH}` }),
});
if (created.status !== 201) throw new Error(`POST /submissions answered ${created.status}: ${await created.text()}`);
const item = await created.json();
const read = await fetch(`${api}/submissions/${item.id}`);
if (read.status !== 200) throw new Error(`GET /submissions/${item.id} answered ${read.status}`);
console.log(`stored and read back submission ${item.id} at ${api}`);
