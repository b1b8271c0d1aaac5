import { describe, expect, it } from 'vitest';
import { allVariableNodes, containsVariable, parseTemplate, type VariableNode } from './variable-syntax.js';

function onlyVariable(text: string): VariableNode {
  const { parts, problems } = parseTemplate(text);
  expect(problems).toEqual([]);
  expect(parts).toHaveLength(1);
  return parts[0] as VariableNode;
}

describe('parseTemplate', () => {
  it('splits literal text and variables, keeping offsets and the text as written', () => {
    const { parts, problems } = parseTemplate('https://${opt:stage}.example/${self:custom.path}');
    expect(problems).toEqual([]);
    expect(parts.map((part) => (typeof part === 'string' ? part : [part.start, part.end, part.text]))).toEqual([
      'https://',
      [8, 20, '${opt:stage}'],
      '.example/',
      [29, 48, '${self:custom.path}'],
    ]);
  });

  it('reads a reference as source and address', () => {
    expect(onlyVariable('${param:api_key}').candidates).toEqual([{ kind: 'reference', offset: 2, source: 'param', address: ['api_key'] }]);
  });

  it('reads every kind of fallback: quoted strings, numbers, booleans, bare and nested variables', () => {
    const node = onlyVariable(`\${param:a, 'x, }y', "z", 42, -1.5, true, self:custom.b, \${env:C, 'd'}}`);
    expect(node.candidates.map((candidate) => (candidate.kind === 'variable' ? candidate.node.text : candidate))).toEqual([
      { kind: 'reference', offset: 2, source: 'param', address: ['a'] },
      { kind: 'literal', offset: 11, value: 'x, }y' },
      { kind: 'literal', offset: 20, value: 'z' },
      { kind: 'literal', offset: 25, value: 42 },
      { kind: 'literal', offset: 29, value: -1.5 },
      { kind: 'literal', offset: 35, value: true },
      { kind: 'reference', offset: 41, source: 'self', address: ['custom.b'] },
      "${env:C, 'd'}",
    ]);
  });

  it('parses variables nested inside an address, with blanks kept', () => {
    const node = onlyVariable('${output::${param:env}::database.tableName}');
    const [candidate] = node.candidates;
    expect(candidate.kind).toBe('reference');
    if (candidate.kind !== 'reference') return;
    expect(candidate.source).toBe('output');
    expect(candidate.address.map((part) => (typeof part === 'string' ? part : part.text))).toEqual([':', '${param:env}', '::database.tableName']);
    expect(allVariableNodes([node]).map((each) => each.text)).toEqual(['${output::${param:env}::database.tableName}', '${param:env}']);
  });

  it('leaves text without variables alone', () => {
    expect(parseTemplate('just $ and { braces }')).toEqual({ parts: ['just $ and { braces }'], problems: [] });
    expect(containsVariable('a ${b:c}')).toBe(true);
    expect(containsVariable('$ {')).toBe(false);
    expect(containsVariable(3)).toBe(false);
  });

  it('reports an unterminated variable and keeps the rest as literal text', () => {
    expect(parseTemplate('a ${param:x')).toEqual({
      parts: ['a ${param:x'],
      problems: [{ offset: 2, message: 'unterminated variable: "${" has no closing "}"' }],
    });
  });

  it('reports an unterminated quoted fallback and text after a quoted fallback', () => {
    expect(parseTemplate("${param:x, 'y}").problems).toEqual([{ offset: 11, message: "unterminated quoted fallback: missing closing '" }]);
    expect(parseTemplate("${param:x, 'y' z}").problems).toEqual([{ offset: 15, message: 'unexpected "z" after a quoted fallback; expected "," or "}"' }]);
  });

  it('reports a candidate that is neither a reference nor a literal', () => {
    expect(parseTemplate('${just words}').problems).toEqual([
      { offset: 2, message: 'expected source:address (like param:name), a quoted string, a number or a nested variable; found "just words"' },
    ]);
  });
});
