// Every topic name is built here from the configured prefix (default `trenddrop.`).
export const TOPIC_NAMES = ['products', 'engagement', 'videos', 'updates', 'dlq'] as const;
export type TopicName = (typeof TOPIC_NAMES)[number];
export type Topics = Record<TopicName, string>;

export function topics(prefix: string): Topics {
  return Object.fromEntries(TOPIC_NAMES.map((n) => [n, `${prefix}${n}.v1`])) as Topics;
}
