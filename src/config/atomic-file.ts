import { randomBytes } from 'node:crypto';
import { chmod, mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * Writes a file whole or not at all: a temporary file beside it, then a rename, so that a reader (or
 * a script waiting for the file) never sees it half-written. The folder is made when missing (0700
 * when `mode` is private). On Windows the modes do nothing (chmod sets only the read-only flag there).
 */
export async function writeFileAtomically(file: string, text: string, mode = 0o600): Promise<void> {
  await mkdir(dirname(file), { recursive: true, mode: mode === 0o600 ? 0o700 : 0o755 });
  const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(temporary, text, { mode });
  // writeFile's mode is filtered by the umask; make sure.
  await chmod(temporary, mode);
  await rename(temporary, file);
}
