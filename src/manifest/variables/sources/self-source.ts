// `${self:path.to.key}`: another property of the same sluice.yml (itself resolved first), or a deploy-time
// value such as `url` from the context.
import type { VariableSource } from '../variable-source.js';

export const selfSource: VariableSource = {
  async resolve(address, { resolveSelf }) {
    const segments = address.split('.');
    if (segments.some((segment) => segment === '')) {
      return { found: false, reason: `"${address}" is not a property path; expected keys separated by dots, like custom.tableName` };
    }
    return resolveSelf(segments);
  },
};
