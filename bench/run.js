// `npm run bench [-- NAME [options]]`: runs one bench by name, or all of them in turn. Each bench prints
// its table and, as its last line, one JSON object with its figures (see DESIGN.md, Conventions).

const BENCHES = {
  gateway: async (args) => (await import('./gateway.js')).gatewayBench(args),
  deploy: async (args) => (await import('./deploy.js')).deployBench(args),
  'blast-radius': async (args) => (await import('./blast-radius.js')).blastRadiusBench(args),
  scale: async (args) => (await import('./scale.js')).scaleBench(args),
  preview: async (args) => (await import('./preview.js')).previewBench(args),
};

const [name, ...args] = process.argv.slice(2);
if (name && !BENCHES[name]) {
  process.stderr.write(`No bench named "${name}". Benches: ${Object.keys(BENCHES).join(', ')}.\n`);
  process.exit(2);
}

let exitCode = 0;
for (const [benchName, run] of Object.entries(BENCHES)) {
  if (name && benchName !== name) continue;
  try {
    exitCode = Math.max(exitCode, await run(name ? args : []));
  } catch (error) {
    process.stderr.write(`bench ${benchName} failed: ${error.stack ?? error}\n`);
    exitCode = 1;
  }
}
process.exitCode = exitCode;
