import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { rig } from '../support/rig.ts';

export interface TerraformResult {
  readonly ok: boolean;
  readonly output: string;
}

export interface Validation {
  readonly valid: boolean;
  readonly error_count: number;
  readonly warning_count: number;
  readonly diagnostics: readonly { severity: string; summary: string; detail?: string }[];
}

/** `OS_*` credentials for a Keystone on loopback that nobody answers: a plan that needs no API passes, any API call fails. */
export const OFFLINE_CREDENTIALS = {
  OS_AUTH_URL: 'http://127.0.0.1:9/v3',
  OS_USERNAME: 'nobody',
  OS_PASSWORD: 'unused',
  OS_PROJECT_NAME: 'stratus',
  OS_USER_DOMAIN_NAME: 'Default',
  OS_PROJECT_DOMAIN_NAME: 'Default',
} as const;

/** Terraform (or OpenTofu) from the rig, with the offline provider mirror. */
export class Terraform {
  private readonly binary: string;
  private readonly env: NodeJS.ProcessEnv;

  private constructor(binary: string, cliConfig: string) {
    this.binary = binary;
    this.env = { ...process.env, TF_CLI_CONFIG_FILE: cliConfig, TF_IN_AUTOMATION: '1', CHECKPOINT_DISABLE: '1', TF_INPUT: '0' };
  }

  static async start(): Promise<Terraform> {
    const { TERRAFORM, TF_CLI_CONFIG_FILE } = await rig('terraform');
    if (!TERRAFORM || !TF_CLI_CONFIG_FILE) throw new Error('the terraform rig printed no TERRAFORM or TF_CLI_CONFIG_FILE');
    return new Terraform(TERRAFORM, TF_CLI_CONFIG_FILE);
  }

  run(dir: string, ...args: string[]): TerraformResult {
    return this.runWith({}, dir, ...args);
  }

  /** Runs with extra environment variables, such as `OS_*` credentials. */
  runWith(env: NodeJS.ProcessEnv, dir: string, ...args: string[]): TerraformResult {
    try {
      const output = execFileSync(this.binary, [...args, '-no-color'], {
        cwd: dir,
        env: { ...this.env, ...env },
        encoding: 'utf8',
        stdio: 'pipe',
        maxBuffer: 256 * 1024 * 1024,
      });
      return { ok: true, output };
    } catch (e) {
      const failure = e as { stdout?: string; stderr?: string };
      return { ok: false, output: `${failure.stdout ?? ''}${failure.stderr ?? ''}` };
    }
  }

  /** Runs and throws with Terraform's output when it fails. */
  mustRun(env: NodeJS.ProcessEnv, dir: string, ...args: string[]): string {
    const result = this.runWith(env, dir, ...args);
    if (!result.ok) throw new Error(`terraform ${args.join(' ')} failed in ${dir}:\n${result.output}`);
    return result.output;
  }

  /** Like `mustRun`, without blocking the event loop (for long sequences of plans). */
  async mustRunAsync(env: NodeJS.ProcessEnv, dir: string, ...args: string[]): Promise<string> {
    try {
      const { stdout } = await promisify(execFile)(this.binary, [...args, '-no-color'], {
        cwd: dir,
        env: { ...this.env, ...env },
        encoding: 'utf8',
        maxBuffer: 256 * 1024 * 1024,
      });
      return stdout;
    } catch (e) {
      const failure = e as { stdout?: string; stderr?: string };
      throw new Error(`terraform ${args.join(' ')} failed in ${dir}:\n${failure.stdout ?? ''}${failure.stderr ?? ''}`);
    }
  }

  /** `terraform init` (with `-backend=false` unless asked otherwise), then `terraform validate -json`. */
  initAndValidate(dir: string, backend = false): Validation {
    const init = this.run(dir, 'init', `-backend=${backend}`);
    if (!init.ok) throw new Error(`terraform init failed in ${dir}:\n${init.output}`);
    const validate = this.run(dir, 'validate', '-json');
    return JSON.parse(validate.output) as Validation;
  }
}
