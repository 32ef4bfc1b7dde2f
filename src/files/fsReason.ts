import { errorMessage } from '../core/errors.js';

/** A file system error in a few words, without the stack or the errno boilerplate, for messages to users. */
export function fsReason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT':
      return 'no such file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory';
    default:
      return errorMessage(e);
  }
}
