// `${secret:NAME}`: a secret of the stage's profile. Every value it yields is tainted, so the paths it
// lands in are reported as sensitive.
import type { VariableSource } from '../variable-source.js';

export const secretSource: VariableSource = {
  async resolve(address, { ctx, lookupOnce }) {
    const value = await lookupOnce(`secret:${address}`, () => ctx.secret(address));
    if (value === undefined) {
      return { found: false, reason: `secret "${address}" is not set for profile "${ctx.profile}" (sluice secrets set --profile ${ctx.profile} ${address})` };
    }
    return { found: true, value, taint: [[]] };
  },
};
