import type { TopicOutput } from '../../ui/help-topic.js';
import type { TopicName } from './topics.js';

/** `datachonk help <topic>`: its text, loaded now (the program lists only the names). */
export async function showTopic(out: TopicOutput, name: TopicName): Promise<void> {
  const [{ TOPIC_TEXTS }, { printTopic }] = await Promise.all([import('./texts.js'), import('../../ui/help-topic.js')]);
  printTopic(out, TOPIC_TEXTS[name]);
}
