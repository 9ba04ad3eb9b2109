import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConstructsMakerProviderTarget, Language, type ProviderSchema, TerraformProviderConstraint } from '@cdktf/commons';
import { TerraformProviderGenerator } from '@cdktf/provider-generator/lib/get/generator/provider-generator.js';
import { loadConfig } from '@stratus/config';
import { CodeMaker } from 'codemaker';

/** The resources and data sources that packages/infra uses; bindings are generated for these only. */
export const RESOURCES = [
  'openstack_blockstorage_volume_v3',
  'openstack_compute_instance_v2',
  'openstack_identity_ec2_credential_v3',
  'openstack_networking_floatingip_associate_v2',
  'openstack_networking_floatingip_v2',
  'openstack_networking_port_v2',
  'openstack_networking_secgroup_rule_v2',
  'openstack_networking_secgroup_v2',
  'openstack_objectstorage_container_v1',
] as const;
export const DATA_SOURCES = ['openstack_networking_network_v2'] as const;

const SOURCE = 'terraform-provider-openstack/openstack';
const FQPN = `registry.terraform.io/${SOURCE}`;
const packageDir = fileURLToPath(new URL('..', import.meta.url));
const repoRoot = join(packageDir, '../..');
const outDir = join(packageDir, 'src/gen');

function rigEnv(): Record<string, string> {
  const out = execFileSync('bash', [join(repoRoot, 'scripts/rig/terraform.sh'), 'start'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return Object.fromEntries(
    out
      .split('\n')
      .filter((line) => line.includes('='))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
}

/** `terraform providers schema -json` for the pinned provider, read through the rig's offline mirror. */
function readSchema(version: string): ProviderSchema {
  const { TERRAFORM, TF_CLI_CONFIG_FILE } = rigEnv();
  if (!TERRAFORM || !TF_CLI_CONFIG_FILE)
    throw new Error('scripts/rig/terraform.sh start printed no TERRAFORM or TF_CLI_CONFIG_FILE');
  const work = mkdtempSync(join(tmpdir(), 'stratus-schema-'));
  try {
    const config = { terraform: { required_providers: { openstack: { source: SOURCE, version } } } };
    writeFileSync(join(work, 'main.tf.json'), JSON.stringify(config));
    const env = { ...process.env, TF_CLI_CONFIG_FILE, TF_IN_AUTOMATION: '1' };
    execFileSync(TERRAFORM, ['init', '-input=false', '-no-color'], { cwd: work, env, stdio: ['ignore', 'ignore', 'inherit'] });
    const json = execFileSync(TERRAFORM, ['providers', 'schema', '-json'], { cwd: work, env, maxBuffer: 256 * 1024 * 1024 });
    return JSON.parse(json.toString('utf8')) as ProviderSchema;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function pick<T>(all: Record<string, T> | undefined, names: readonly string[]): Record<string, T> {
  return Object.fromEntries(
    names.map((name) => {
      const schema = all?.[name];
      if (!schema) throw new Error(`the provider schema has no ${name}`);
      return [name, schema];
    }),
  );
}

function subset(schema: ProviderSchema): ProviderSchema {
  const provider = schema.provider_schemas?.[FQPN];
  if (!provider) throw new Error(`the schema has no provider ${FQPN}`);
  return {
    format_version: schema.format_version,
    provider_schemas: {
      [FQPN]: {
        ...provider,
        resource_schemas: pick(provider.resource_schemas, RESOURCES),
        data_source_schemas: pick(provider.data_source_schemas, DATA_SOURCES),
      },
    },
  };
}

function files(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? files(path) : [path];
    });
}

/** Makes the generator's output fit this repo's compiler settings: explicit `.ts` import paths and `override` modifiers. */
export function adapt(source: string, exists: (relativeImport: string) => 'dir' | 'file'): string {
  return source
    .replace(/from '(\.{1,2}\/[^']*)'/g, (_, path: string) =>
      exists(path) === 'dir' ? `from '${path}/index.ts'` : `from '${path}.ts'`,
    )
    .replace(/protected (terraformResource|terraformAttribute|wrapsSet):/g, 'protected override $1:')
    .replace(/protected (synthesizeAttributes|synthesizeHclAttributes)\(\)/g, 'protected override $1()')
    .replace(/public (get|set) alias\(/g, 'public override $1 alias(');
}

async function main(): Promise<void> {
  const version = loadConfig().versions.openstackProvider;
  const schema = subset(readSchema(version));
  const code = new CodeMaker();
  const generator = new TerraformProviderGenerator(code, schema);
  const constraint = new TerraformProviderConstraint({ name: 'openstack', source: SOURCE, version });
  generator.generate(new ConstructsMakerProviderTarget(constraint, Language.TYPESCRIPT));
  const staging = mkdtempSync(join(tmpdir(), 'stratus-bindings-'));
  try {
    await generator.save(staging);
    const root = join(staging, 'providers/openstack');
    rmSync(outDir, { recursive: true, force: true });
    const header = `// Generated by \`pnpm --filter @stratus/provider-openstack generate\` from ${SOURCE} ${version}. Do not edit.\n`;
    for (const file of files(root)) {
      const rel = relative(root, file);
      if (!rel.endsWith('.ts') || !rel.includes('/')) continue;
      const exists = (path: string) => {
        try {
          return statSync(join(dirname(file), path)).isDirectory() ? 'dir' : 'file';
        } catch {
          return 'file';
        }
      };
      mkdirSync(dirname(join(outDir, rel)), { recursive: true });
      writeFileSync(join(outDir, rel), header + adapt(readFileSync(file, 'utf8'), exists));
    }
    writeFileSync(
      join(outDir, 'version.ts'),
      `${header}\n/** The terraform-provider-openstack release these bindings were generated from. */\nexport const OPENSTACK_PROVIDER_VERSION = '${version}';\n`,
    );
    console.log(`generated ${relative(process.cwd(), outDir)} from ${SOURCE} ${version}`);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
