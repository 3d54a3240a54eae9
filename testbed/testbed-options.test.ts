/**
 * `startTestbed`'s option checks name the option, never a command-line flag (the CLI words
 * them as flags: engine/app/commands/testbed.test.ts), and fail before anything starts.
 */
import { describe, expect, it } from 'vitest';
import { isRoot } from './lab/ip.js';
import { checkTestbedOptions, TestbedOptionError, type TestbedOptions } from './testbed-options.js';

function rejection(options: TestbedOptions): TestbedOptionError {
  try {
    checkTestbedOptions(options);
  } catch (err) {
    expect(err).toBeInstanceOf(TestbedOptionError);
    return err as TestbedOptionError;
  }
  throw new Error(`accepted: ${JSON.stringify(options)}`);
}

describe('testbed options', () => {
  it('names the option that cannot work, in words that fit any caller', () => {
    const cases: Array<[TestbedOptions, keyof TestbedOptions, string]> = [
      [{ broker: 'nats' as never }, 'broker', "expected aedes or mosquitto, got 'nats'"],
      [{ gateways: -1 }, 'gateways', 'expected a whole number, 0 or more, got -1'],
      [{ lab: true, sinkProxy: true }, 'lab', 'sinkProxy, ingest and flood are for the loopback testbed'],
      [
        { lab: true, uplinkProxy: true },
        'uplinkProxy',
        expect.stringMatching(/^is for the loopback testbed/),
      ],
    ];
    for (const [options, option, detail] of cases) {
      const err = rejection(options);
      expect(err).toMatchObject({ option, detail, code: 'SQUALL_USAGE' });
      expect(err.message).toBe(`testbed option '${option}': ${err.detail}`);
      expect(err.message).not.toContain('--');
    }
  });

  it('lab mode needs root', () => {
    if (isRoot()) expect(() => checkTestbedOptions({ lab: true, gateways: 2 })).not.toThrow();
    else
      expect(rejection({ lab: true })).toMatchObject({
        option: 'lab',
        detail: expect.stringMatching(/^needs root/),
      });
    expect(() => checkTestbedOptions({ broker: 'mosquitto', gateways: 0, standby: true })).not.toThrow();
  });
});
