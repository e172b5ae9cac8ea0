/**
 * An error in the security set-up (a missing or unusable certificate or key file, a folder
 * that may not be overwritten). Its message is meant for an operator as it is: it names the
 * file, never its contents. The command line turns it into a plain message without a stack.
 */
export class SecurityConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecurityConfigError';
  }
}
