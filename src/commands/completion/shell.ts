import type { CompletionNode, CompletionTree, Values } from './tree.js';

// Helpers the three shells' scripts share.

/** A word in single quotes, for bash and zsh. */
export function quote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

/** What a completion function is told to complete for a value: words, or a marker for the script. */
export function valueWords(values: Values | undefined, tree: CompletionTree): string {
  if (values === undefined || values === 'text') return '';
  if (values === 'file') return '@files';
  if (values === 'event-list') return '@event-list';
  if (values === 'event') return tree.eventTypes.join(' ');
  return values.choices.join(' ');
}

/** The options of a node that take a value. */
export function valuedOptions(node: CompletionNode): string[] {
  return node.options.filter((o) => o.values !== undefined).flatMap((o) => o.names);
}

/**
 * A shell `case` over command paths: one arm per node that has something to say. `arm` gives the
 * body for a node, or undefined for none; `pattern` quotes the path as the shell wants it.
 */
export function caseArms(
  tree: CompletionTree,
  arm: (node: CompletionNode) => string | undefined,
  pattern = quote,
): string[] {
  return tree.nodes.flatMap((node) => {
    const body = arm(node);
    return body === undefined ? [] : [`    ${pattern(node.path)}) ${body} ;;`];
  });
}

/** The `case` arms of a values function: `path|--option` (or `path|` for the argument) to what it takes. */
export function valueArms(tree: CompletionTree, say: (words: string) => string): string[] {
  const arms: string[] = [];
  for (const node of tree.nodes) {
    for (const option of node.options) {
      const words = valueWords(option.values, tree);
      if (words)
        arms.push(`    ${option.names.map((name) => quote(`${node.path}|${name}`)).join('|')}) ${say(words)} ;;`);
    }
    const words = valueWords(node.argument, tree);
    if (words) arms.push(`    ${quote(`${node.path}|`)}) ${say(words)} ;;`);
  }
  return arms;
}
