// The `${source:address, fallback}` syntax: parses a string into literal text and variable nodes, with
// nesting inside addresses and fallbacks. Syntax only; what each source means lives in ./sources.

export const VARIABLE_SOURCES = ['opt', 'self', 'param', 'secret', 'env', 'output'] as const;
export type VariableSourceName = (typeof VARIABLE_SOURCES)[number];

export interface VariableNode {
  /** Offset of the `$` in the string. */
  start: number;
  /** Offset just after the closing `}`. */
  end: number;
  /** The variable as written, `${param:x, 'y'}`. */
  text: string;
  /** Tried in order; the first that resolves gives the value. */
  candidates: VariableCandidate[];
}

export type TemplatePart = string | VariableNode;

export type VariableCandidate =
  | { kind: 'reference'; offset: number; source: string; address: TemplatePart[] }
  | { kind: 'literal'; offset: number; value: string | number | boolean }
  | { kind: 'variable'; offset: number; node: VariableNode };

export interface SyntaxProblem {
  offset: number;
  message: string;
}

export interface ParsedTemplate {
  parts: TemplatePart[];
  problems: SyntaxProblem[];
}

/** True for a string holding at least one `${`. */
export function containsVariable(value: unknown): value is string {
  return typeof value === 'string' && value.includes('${');
}

/** Splits `text` into literal parts and variables. A malformed variable is a problem; the rest stays literal. */
export function parseTemplate(text: string): ParsedTemplate {
  const problems: SyntaxProblem[] = [];
  const parts: TemplatePart[] = [];
  let literal = '';
  let pos = 0;
  while (pos < text.length) {
    if (text.startsWith('${', pos)) {
      const variable = parseVariable(text, pos, problems);
      if (variable === undefined) {
        literal += text.slice(pos);
        break;
      }
      if (literal !== '') parts.push(literal);
      literal = '';
      parts.push(variable);
      pos = variable.end;
    } else {
      literal += text[pos];
      pos++;
    }
  }
  if (literal !== '') parts.push(literal);
  return { parts, problems };
}

/** Every variable node in `parts`, outer before inner, including those nested in addresses and fallbacks. */
export function allVariableNodes(parts: readonly TemplatePart[]): VariableNode[] {
  const nodes: VariableNode[] = [];
  const visit = (node: VariableNode): void => {
    nodes.push(node);
    for (const candidate of node.candidates) {
      if (candidate.kind === 'variable') visit(candidate.node);
      if (candidate.kind === 'reference') for (const part of candidate.address) if (typeof part !== 'string') visit(part);
    }
  };
  for (const part of parts) if (typeof part !== 'string') visit(part);
  return nodes;
}

function parseVariable(text: string, start: number, problems: SyntaxProblem[]): VariableNode | undefined {
  const candidates: VariableCandidate[] = [];
  let pos = start + 2;
  for (;;) {
    pos = skipSpaces(text, pos);
    const candidateStart = pos;
    const quote = text[pos];
    if (quote === "'" || quote === '"') {
      const close = text.indexOf(quote, pos + 1);
      if (close < 0) return fail(problems, pos, `unterminated quoted fallback: missing closing ${quote}`);
      candidates.push({ kind: 'literal', offset: candidateStart, value: text.slice(pos + 1, close) });
      pos = skipSpaces(text, close + 1);
    } else {
      const read = readCandidateParts(text, pos, problems);
      if (read === undefined) return undefined;
      const candidate = classifyCandidate(read.parts, candidateStart, text.slice(candidateStart, read.end).trim(), problems);
      if (candidate === undefined) return undefined;
      candidates.push(candidate);
      pos = read.end;
    }
    if (pos >= text.length) return fail(problems, start, 'unterminated variable: "${" has no closing "}"');
    if (text[pos] === '}') break;
    if (text[pos] !== ',') return fail(problems, pos, `unexpected "${text[pos]}" after a quoted fallback; expected "," or "}"`);
    pos++;
  }
  const end = pos + 1;
  return { start, end, text: text.slice(start, end), candidates };
}

/** Reads one candidate's text up to an unnested `,` or `}`, parsing nested variables on the way. */
function readCandidateParts(text: string, from: number, problems: SyntaxProblem[]): { parts: TemplatePart[]; end: number } | undefined {
  const parts: TemplatePart[] = [];
  let literal = '';
  let pos = from;
  while (pos < text.length && text[pos] !== ',' && text[pos] !== '}') {
    if (text.startsWith('${', pos)) {
      const nested = parseVariable(text, pos, problems);
      if (nested === undefined) return undefined;
      if (literal !== '') parts.push(literal);
      literal = '';
      parts.push(nested);
      pos = nested.end;
    } else {
      literal += text[pos];
      pos++;
    }
  }
  if (literal.trimEnd() !== '') parts.push(literal.trimEnd());
  return { parts, end: pos };
}

function classifyCandidate(parts: TemplatePart[], offset: number, written: string, problems: SyntaxProblem[]): VariableCandidate | undefined {
  const [first] = parts;
  if (parts.length === 1 && typeof first !== 'string') return { kind: 'variable', offset, node: first };
  if (parts.length === 1 && typeof first === 'string') {
    if (/^-?\d+(\.\d+)?$/.test(first)) return { kind: 'literal', offset, value: Number(first) };
    if (first === 'true' || first === 'false') return { kind: 'literal', offset, value: first === 'true' };
  }
  const match = typeof first === 'string' ? /^([A-Za-z][A-Za-z0-9]*):/.exec(first) : null;
  if (match === null || typeof first !== 'string') {
    const found = written === '' ? 'nothing' : `"${written}"`;
    return fail(problems, offset, `expected source:address (like param:name), a quoted string, a number or a nested variable; found ${found}`);
  }
  const rest = first.slice(match[0].length);
  const address = rest === '' ? parts.slice(1) : [rest, ...parts.slice(1)];
  return { kind: 'reference', offset, source: match[1], address };
}

function skipSpaces(text: string, pos: number): number {
  while (pos < text.length && (text[pos] === ' ' || text[pos] === '\t' || text[pos] === '\n')) pos++;
  return pos;
}

function fail(problems: SyntaxProblem[], offset: number, message: string): undefined {
  problems.push({ offset, message });
  return undefined;
}
