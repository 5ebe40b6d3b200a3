import fs from 'node:fs';
import path from 'node:path';

/** The file in the data folder where the API keeps its generated admin token (api/auth.ts ensureGeneratedAdminToken). */
export const GENERATED_TOKEN_FILE = 'api-admin-token';

export interface ResolvedToken {
  token: string;
  /** Where it came from, for messages: never the token itself. */
  source: string;
}

/**
 * The API token of an operations command: `--token`, else PSTT_API_TOKEN, else the generated admin
 * token in the data folder (read, never created); null when there is none.
 */
export function resolveApiToken(options: {
  flag?: string;
  env?: NodeJS.ProcessEnv;
  dataDir: string;
}): ResolvedToken | null {
  const env = options.env ?? process.env;
  if (options.flag) return { token: options.flag, source: '--token' };
  if (env.PSTT_API_TOKEN) return { token: env.PSTT_API_TOKEN, source: 'PSTT_API_TOKEN' };
  const file = path.join(options.dataDir, GENERATED_TOKEN_FILE);
  try {
    const token = fs.readFileSync(file, 'utf8').trim();
    return token ? { token, source: file } : null;
  } catch {
    return null;
  }
}
