// `${param:name}`: parameters, looked up from the most specific level to the least:
// --param on the command line, the profile's stored params, the manifest's profile params, the manifest's params.
import type { VariableSource } from '../variable-source.js';

export const paramSource: VariableSource = {
  async resolve(address, { app, ctx }) {
    const levels: Array<[Record<string, string> | undefined, string]> = [
      [ctx.cliParams, '--param'],
      [ctx.storedParams, `the stored params of profile "${ctx.profile}"`],
      [app.profiles[ctx.profile]?.params, `profiles.${ctx.profile}.params`],
      [app.params, 'params in sluice.app.yml'],
    ];
    for (const [params] of levels) {
      if (params !== undefined && Object.hasOwn(params, address)) return { found: true, value: params[address], taint: [] };
    }
    const places = levels.map(([, where]) => where);
    return { found: false, reason: `param "${address}" is not set (looked in ${places.slice(0, -1).join(', ')} and ${places.at(-1)})` };
  },
};
