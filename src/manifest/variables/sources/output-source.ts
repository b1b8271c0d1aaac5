// `${output:service.key}` and `${output:app:stage:region:service.key}`: an output another service published
// after its deploy, read through the context (the engine reads the store).
import { formatOutputAddress, parseOutputAddress } from '../output-address.js';
import type { VariableSource } from '../variable-source.js';

export const outputSource: VariableSource = {
  async resolve(address, { app, ctx, lookupOnce }) {
    const parsed = parseOutputAddress(address, { app: app.app, stage: ctx.stage, region: ctx.region });
    if ('error' in parsed) return { found: false, reason: parsed.error };
    const value = await lookupOnce(`output:${formatOutputAddress(parsed)}`, () => ctx.output(parsed));
    if (value === undefined) {
      return {
        found: false,
        reason: `service "${parsed.service}" of app "${parsed.app}" has published no output "${parsed.key}" in stage "${parsed.stage}" (region ${parsed.region})`,
      };
    }
    return { found: true, value, taint: [] };
  },
};
