/** A construct prop or config value that cannot be deployed; the message names the prop and what is allowed. */
export class InfraConfigError extends Error {
  override readonly name = 'InfraConfigError';
  constructor(
    readonly prop: string,
    message: string,
  ) {
    super(`'${prop}' ${message}`);
  }
}

/** Cloud-init user data that does not fit Nova's limit of 65,535 bytes after base64. */
export class UserDataTooLargeError extends Error {
  override readonly name = 'UserDataTooLargeError';
  constructor(
    readonly server: string,
    readonly bytes: number,
    readonly limit: number,
  ) {
    super(`the user data of '${server}' is ${bytes} bytes after gzip and base64, over Nova's limit of ${limit}`);
  }
}
