import { describe, expect, it } from 'vitest';
import { InfraConfigError } from './errors.ts';
import { checkCidr, checkFlavor, checkRange } from './validate.ts';

describe('checkCidr', () => {
  it.each(['203.0.113.0/24', '10.0.0.0/8', '127.0.0.1/32', '0.0.0.0/0'])('accepts %s', (cidr) => {
    expect(() => checkCidr('adminCidr', cidr)).not.toThrow();
  });

  it.each([
    ['10.0.0.0/33', 'IPv4 CIDR'],
    ['256.0.0.0/8', 'IPv4 CIDR'],
    ['10.0.0/8', 'IPv4 CIDR'],
    ['10.0.0.0', 'IPv4 CIDR'],
    ['10.0.0.0/8/1', 'IPv4 CIDR'],
    ['010.0.0.0/8', 'IPv4 CIDR'],
    ['10.0.0.1/24', 'no host bits'],
  ])('rejects %s, naming the prop', (cidr, reason) => {
    expect(() => checkCidr('adminCidr', cidr)).toThrow(InfraConfigError);
    expect(() => checkCidr('adminCidr', cidr)).toThrow(new RegExp(`^'adminCidr' must .*${reason}`));
  });
});

describe('checkFlavor', () => {
  it('accepts flavor names', () => {
    for (const flavor of ['cb1.medium', 'mb1.large', 'm1_small', 'gp-4'])
      expect(() => checkFlavor('flavor', flavor)).not.toThrow();
  });
  it('rejects names with spaces or capitals', () => {
    expect(() => checkFlavor('flavor', 'CB1 Medium')).toThrow(/'flavor' must be an OpenStack flavor name/);
    expect(() => checkFlavor('flavor', '.large')).toThrow(InfraConfigError);
  });
});

describe('checkRange', () => {
  it('names the prop and the range', () => {
    expect(() => checkRange('agents', 0, 1, 20)).toThrow("'agents' must be an integer from 1 to 20, got 0");
    expect(() => checkRange('agents', 2.5, 1, 20)).toThrow(InfraConfigError);
    expect(() => checkRange('agents', 20, 1, 20)).not.toThrow();
  });
});
