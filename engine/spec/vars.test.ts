// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are experiment text; ${var} is the syntax under test.
import { describe, expect, it } from 'vitest';
import { SquallError } from '../core/errors.js';
import { applyVarOverrides, parseVarValue, substituteVars, undefinedVarMessage } from './vars.js';

describe('substituteVars', () => {
  const vars = { n: 5, name: 'edge', on: false };

  it('a whole plain scalar keeps the type; quoted or embedded references become text', () => {
    expect(substituteVars('${n}', vars).value).toBe(5);
    expect(substituteVars('${ n }', vars).value).toBe(5);
    expect(substituteVars('${on}', vars).value).toBe(false);
    expect(substituteVars('${n}', vars, { quoted: true }).value).toBe('5');
    expect(substituteVars('${name}-${n}', vars).value).toBe('edge-5');
    expect(substituteVars('no refs', vars)).toEqual({ value: 'no refs', undefinedNames: [] });
  });

  it('$${x} escapes a reference', () => {
    expect(substituteVars('$${name} is ${name}', vars).value).toBe('${name} is edge');
  });

  it('collects every undefined name and leaves it in place', () => {
    expect(substituteVars('${a}-${name}-${b}', vars)).toEqual({
      value: '${a}-edge-${b}',
      undefinedNames: ['a', 'b'],
    });
    expect(substituteVars('${zz}', vars)).toEqual({ value: '${zz}', undefinedNames: ['zz'] });
  });
});

describe('parseVarValue', () => {
  it('reads YAML scalars', () => {
    expect(parseVarValue('2000')).toBe(2000);
    expect(parseVarValue('1.5')).toBe(1.5);
    expect(parseVarValue('true')).toBe(true);
    expect(parseVarValue('400ms')).toBe('400ms');
    expect(parseVarValue('"2000"')).toBe('2000');
  });

  it('keeps anything else as the text typed', () => {
    expect(parseVarValue('')).toBe('');
    expect(parseVarValue('[1, 2]')).toBe('[1, 2]');
    expect(parseVarValue('a: b')).toBe('a: b');
    expect(parseVarValue('[oops')).toBe('[oops');
  });
});

describe('applyVarOverrides', () => {
  it('applies overrides over declared defaults', () => {
    expect(applyVarOverrides('f.yaml', { a: 1, b: 'x' }, { a: '2' })).toEqual({ a: 2, b: 'x' });
  });

  it('rejects an undeclared name with SQUALL_VAR_INVALID', () => {
    expect(() => applyVarOverrides('f.yaml', {}, { a: '1' })).toThrow(
      new SquallError(
        'SQUALL_VAR_INVALID',
        "--var a=1: f.yaml declares no variable 'a'; it declares no vars",
      ),
    );
  });
});

it('undefinedVarMessage suggests the nearest declared name', () => {
  expect(undefinedVarMessage('devicez', ['rate', 'devices'])).toBe(
    "undefined variable 'devicez' (did you mean 'devices'?); declared: devices, rate",
  );
});
