// Checks of variables that need no stage: syntax, known sources, well-formed literal addresses. parseApp
// runs them so a typo like `${parm:x}` is reported with the other manifest problems, before any deploy.
import { didYouMean } from '../did-you-mean.js';
import { parseOutputAddress } from './output-address.js';
import { allVariableNodes, parseTemplate, VARIABLE_SOURCES, type SyntaxProblem, type TemplatePart } from './variable-syntax.js';

/** Every problem in the variables of `text` that is visible without resolving anything. */
export function staticVariableProblems(text: string): SyntaxProblem[] {
  const { parts, problems } = parseTemplate(text);
  for (const node of allVariableNodes(parts)) {
    for (const candidate of node.candidates) {
      if (candidate.kind !== 'reference') continue;
      const problem = referenceProblem(candidate.source, candidate.address);
      if (problem !== undefined) problems.push({ offset: node.start, message: `${node.text}: ${problem}` });
    }
  }
  return problems;
}

function referenceProblem(source: string, address: TemplatePart[]): string | undefined {
  if (!(VARIABLE_SOURCES as readonly string[]).includes(source)) {
    return `unknown variable source "${source}"${didYouMean(source, VARIABLE_SOURCES)}; expected one of ${VARIABLE_SOURCES.join(', ')}`;
  }
  if (address.length === 0) return `"${source}:" needs an address after the colon`;
  const literal = address.every((part) => typeof part === 'string') ? address.join('') : undefined;
  if (literal === undefined) return undefined;
  if (source === 'output') {
    const parsed = parseOutputAddress(literal, { app: 'app', stage: 'stage', region: 'region' });
    if ('error' in parsed) return parsed.error;
  }
  if (source === 'self' && literal.split('.').some((segment) => segment === '')) {
    return `"${literal}" is not a property path; expected keys separated by dots, like custom.tableName`;
  }
  if (source === 'opt' && literal !== 'stage' && literal !== 'region') return `there is no option "${literal}"; opt knows stage and region`;
  return undefined;
}
