// The help topics (`datachonk help <topic>`): what needs more than a command's --help. Their names are
// here, light enough for the program's help to list them; their texts are in texts.ts, loaded only when
// a topic is shown or the command reference is written (commands/reference.ts).

export const TOPICS = [
  {
    name: 'signatures',
    summary: 'the signature header, verifying it in your receiver, rotating a secret, the local dev secret',
  },
  { name: 'exit-codes', summary: 'what each exit code means' },
  { name: 'environment', summary: 'every environment variable datachonk reads, and what wins over what' },
  { name: 'files', summary: 'where config, journal, state and emulator files live, per platform, and their modes' },
] as const;

export type TopicName = (typeof TOPICS)[number]['name'];

export function isTopic(word: string | undefined): word is TopicName {
  return TOPICS.some((topic) => topic.name === word);
}

/**
 * A part of a topic's text. Text may hold `code` in backticks; a terminal shows it as written, the
 * reference as Markdown.
 */
export type Block =
  | { heading: string }
  | { text: string }
  | { list: readonly string[] }
  | { table: { head: readonly [string, string]; rows: readonly (readonly [string, string])[] } }
  | { code: readonly string[]; lang: 'sh' | 'js' };

export interface Topic {
  name: TopicName;
  title: string;
  blocks: readonly Block[];
}
