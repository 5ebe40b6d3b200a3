import type { AppConfig } from '../config';
import { UnknownSourceError, UnsupportedSourceError } from '../errors';
import type { SourceDriver } from './source';
import { SqliteSource } from './sqlite-source';

export type { QueryCursor, SourceDriver } from './source';

/** Builds the driver for a connection URL. */
export function createSource(url: string, baseDir: string): SourceDriver {
  if (url.startsWith('sqlite:')) return new SqliteSource(url, baseDir);
  throw new UnsupportedSourceError(url);
}

/** The worker's source drivers, one per declared connection, created on first use and kept. */
export class SourceRegistry {
  private readonly drivers = new Map<string, SourceDriver>();

  constructor(private readonly config: Pick<AppConfig, 'sources' | 'baseDir'>) {}

  get(name: string): SourceDriver {
    const existing = this.drivers.get(name);
    if (existing) return existing;
    const source = this.config.sources[name];
    if (!source) throw new UnknownSourceError(name, Object.keys(this.config.sources));
    const driver = createSource(source.url, this.config.baseDir);
    this.drivers.set(name, driver);
    return driver;
  }

  async end(): Promise<void> {
    await Promise.all([...this.drivers.values()].map((d) => d.end()));
    this.drivers.clear();
  }
}
