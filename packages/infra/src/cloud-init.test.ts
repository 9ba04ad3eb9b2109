import { randomBytes } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { encodeUserData, renderCloudConfig, USER_DATA_LIMIT, userDataFor } from './cloud-init.ts';
import { UserDataTooLargeError } from './errors.ts';

const config = {
  packages: ['docker.io'],
  files: [
    { path: '/opt/x/run.sh', content: `echo "\${HOME}" $1\n`, permissions: '0755' },
    { path: '/etc/y.conf', content: 'a: 1\n' },
  ],
  commands: [['bash', '/opt/x/run.sh', 'v1.36.3+k3s1']],
};

describe('renderCloudConfig', () => {
  it('writes a #cloud-config document with the packages, files and commands in order', () => {
    const text = renderCloudConfig(config);
    expect(text.startsWith('#cloud-config\n')).toBe(true);
    const doc = parse(text);
    expect(doc).toEqual({
      package_update: true,
      packages: ['docker.io'],
      write_files: [
        { path: '/opt/x/run.sh', permissions: '0755', content: `echo "\${HOME}" $1\n` },
        { path: '/etc/y.conf', permissions: '0644', content: 'a: 1\n' },
      ],
      runcmd: [['bash', '/opt/x/run.sh', 'v1.36.3+k3s1']],
    });
  });

  it('leaves out the package update and list when there is nothing to install (cloud-init refuses an empty list)', () => {
    const document = parse(renderCloudConfig({ ...config, packages: [] }));
    expect(document).not.toHaveProperty('package_update');
    expect(document).not.toHaveProperty('packages');
  });
});

describe('encodeUserData', () => {
  it('is gzip in base64 that inflates to the document, the same bytes every time', () => {
    const text = renderCloudConfig(config);
    const encoded = encodeUserData(text);
    expect(gunzipSync(Buffer.from(encoded, 'base64')).toString('utf8')).toBe(text);
    expect(encodeUserData(text)).toBe(encoded);
  });

  it('shrinks repetitive YAML well below the size of the text', () => {
    const manifests = Array.from({ length: 200 }, (_, i) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c${i}\n`).join(
      '---\n',
    );
    expect(encodeUserData(manifests).length).toBeLessThan(manifests.length / 3);
  });
});

describe('userDataFor', () => {
  it('passes user data under the limit', () => {
    expect(userDataFor('web', renderCloudConfig(config)).length).toBeLessThan(USER_DATA_LIMIT);
  });

  it('rejects user data over 65,535 bytes after base64, naming the server', () => {
    const incompressible = randomBytes(50_000).toString('hex');
    expect(() => userDataFor('stratus-k3s-server', incompressible)).toThrow(UserDataTooLargeError);
    expect(() => userDataFor('stratus-k3s-server', incompressible)).toThrow(
      /'stratus-k3s-server' is \d+ bytes .* limit of 65535/,
    );
  });
});
