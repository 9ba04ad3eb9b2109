import { InfraConfigError } from './errors.ts';

const OCTET = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;
const FLAVOR = /^[a-z0-9][a-z0-9._-]*$/;

/** Throws unless `value` is an IPv4 CIDR whose address has no bits set past the prefix (such as 203.0.113.0/24). */
export function checkCidr(prop: string, value: string): void {
  const [address = '', prefix = '', ...rest] = value.split('/');
  const octets = address.split('.');
  const bits = Number(prefix);
  const valid =
    rest.length === 0 && octets.length === 4 && octets.every((o) => OCTET.test(o)) && /^\d{1,2}$/.test(prefix) && bits <= 32;
  if (!valid) throw new InfraConfigError(prop, `must be an IPv4 CIDR such as 203.0.113.0/24, got "${value}"`);
  const number = octets.reduce((n, o) => n * 256 + Number(o), 0);
  const hostBits = 2 ** (32 - bits);
  if (number % hostBits !== 0) {
    throw new InfraConfigError(prop, `must have no host bits set past the /${bits} prefix, got "${value}"`);
  }
}

/** Throws unless `value` is an OpenStack flavor name such as cb1.medium. */
export function checkFlavor(prop: string, value: string): void {
  if (!FLAVOR.test(value)) {
    throw new InfraConfigError(
      prop,
      `must be an OpenStack flavor name such as cb1.medium (lowercase, digits, ".", "_", "-"), got "${value}"`,
    );
  }
}

/** Throws unless `value` is an integer in [min, max]. */
export function checkRange(prop: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new InfraConfigError(prop, `must be an integer from ${min} to ${max}, got ${value}`);
  }
}

/** Throws when `value` is empty. */
export function checkNotEmpty(prop: string, value: string): void {
  if (value.trim() === '') throw new InfraConfigError(prop, 'must not be empty');
}
