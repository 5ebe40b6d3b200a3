import { Admin } from '@platformatic/kafka';
import { baseOptionsOf, forceClose, type KafkaClient } from './client';

/** Runs admin work on a short-lived admin client, closed afterwards whatever happens. */
export async function withAdmin<T>(kafka: KafkaClient, work: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = new Admin(baseOptionsOf(kafka));
  try {
    return await work(admin);
  } finally {
    await forceClose(admin);
  }
}
