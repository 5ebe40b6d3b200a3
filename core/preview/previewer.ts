import type { KafkaClient } from '../kafka/client';
import type { GateConfig } from '../scheduling-gate';
import { SourceRegistry } from '../sources';
import { previewScheduling, type SchedulingPreview } from './scheduling-preview';

/**
 * Previews for a long-lived process (the API) or one command (`pstt preview`): its own source
 * drivers, built on first use from the declared sources (passwords from their `password_env`), so a
 * preview reads the source as the worker would.
 */
export class SchedulingPreviewer {
  private readonly sources: SourceRegistry;

  /** @param sourcePasswords the sources' passwords, resolved at start (`secrets.sourcePasswords`) */
  constructor(
    private readonly config: GateConfig,
    private readonly kafka: KafkaClient,
    sourcePasswords: Readonly<Record<string, string>> = {},
  ) {
    this.sources = new SourceRegistry(config, sourcePasswords);
  }

  preview(raw: unknown, limit?: number): Promise<SchedulingPreview> {
    return previewScheduling(raw, { config: this.config, sources: this.sources, kafka: this.kafka }, limit);
  }

  async close(): Promise<void> {
    await this.sources.end();
  }
}
