// `${opt:stage}` and `${opt:region}`: the options of the running command.
import type { VariableSource } from '../variable-source.js';

export const optSource: VariableSource = {
  async resolve(address, { ctx }) {
    if (address === 'stage') return { found: true, value: ctx.stage, taint: [] };
    if (address === 'region') return { found: true, value: ctx.region, taint: [] };
    return { found: false, reason: `there is no option "${address}"; opt knows stage and region` };
  },
};
