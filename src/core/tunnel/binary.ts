import { access, constants } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import type { Env } from '../../config/paths.js';

/** Where a cloudflared binary was found. */
export interface FoundBinary {
  path: string;
  from: 'CLOUDFLARED_BIN' | 'PATH' | 'package';
}

async function executable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Finds cloudflared: $CLOUDFLARED_BIN, else `cloudflared` on PATH, else the copy the npm package
 * `cloudflared` keeps (`packageBin`). A CLOUDFLARED_BIN that is not executable is not silently
 * skipped: it is returned, and starting it fails with a clear error.
 */
export async function findCloudflared(env: Env, packageBin: string | undefined): Promise<FoundBinary | undefined> {
  if (env.CLOUDFLARED_BIN) return { path: env.CLOUDFLARED_BIN, from: 'CLOUDFLARED_BIN' };
  for (const dir of (env.PATH ?? '').split(delimiter).filter(Boolean)) {
    const candidate = join(dir, process.platform === 'win32' ? 'cloudflared.exe' : 'cloudflared');
    if (await executable(candidate)) return { path: candidate, from: 'PATH' };
  }
  if (packageBin && (await executable(packageBin))) return { path: packageBin, from: 'package' };
  return undefined;
}

/** The path where the npm package `cloudflared` keeps (or would download) its binary. */
export async function packageBinaryPath(): Promise<string | undefined> {
  try {
    const { DEFAULT_CLOUDFLARED_BIN } = await import('cloudflared');
    return DEFAULT_CLOUDFLARED_BIN;
  } catch {
    return undefined;
  }
}

/** Downloads cloudflared (from Cloudflare's GitHub releases) to the package's path. */
export async function downloadCloudflared(): Promise<string> {
  const { install, DEFAULT_CLOUDFLARED_BIN } = await import('cloudflared');
  return install(DEFAULT_CLOUDFLARED_BIN);
}
