import { valuedOptions } from './shell.js';
import type { CompletionNode, CompletionOption, CompletionTree, Values } from './tree.js';

/** A word in fish's single quotes (where only \ and ' are escaped). */
function fishQuote(text: string): string {
  return `'${text.replace(/[\\']/g, (m) => `\\${m}`)}'`;
}

/** A fish `switch` over command paths, printing a list of words per path. */
function pathSwitch(name: string, tree: CompletionTree, words: (node: CompletionNode) => string[]): string {
  const arms = tree.nodes
    .filter((node) => words(node).length > 0)
    .map(
      (node) =>
        `        case ${fishQuote(node.path)}\n            printf '%s\\n' ${words(node).map(fishQuote).join(' ')}`,
    );
  return `function ${name}\n    switch "$argv[1]"\n${arms.join('\n')}\n    end\nend`;
}

/** The `complete` arguments for what an option's value or an argument takes. */
function valueFlags(values: Values | undefined, tree: CompletionTree): string {
  if (values === undefined) return '';
  if (values === 'file') return ' -r -F';
  if (values === 'text') return ' -x';
  if (values === 'event-list') return " -x -a '(__datachonk_event_list)'";
  const words = values === 'event' ? tree.eventTypes : values.choices;
  return ` -x -a ${fishQuote(words.join(' '))}`;
}

function optionLine(node: CompletionNode, option: CompletionOption, tree: CompletionTree): string {
  const names = option.names
    .map((name) => (name.startsWith('--') ? `-l ${name.slice(2)}` : `-s ${name.slice(1)}`))
    .join(' ');
  return `complete -c datachonk -n ${fishQuote(`__datachonk_is ${fishQuote(node.path)}`)} ${names}${valueFlags(option.values, tree)} -d ${fishQuote(option.description)}`;
}

function nodeLines(node: CompletionNode, tree: CompletionTree): string[] {
  const when = `-n ${fishQuote(`__datachonk_is ${fishQuote(node.path)}`)}`;
  const lines = node.subcommands.map(
    (sub) => `complete -c datachonk ${when} -a ${fishQuote(sub.name)} -d ${fishQuote(sub.description)}`,
  );
  if (node.argument && node.argument !== 'text' && node.subcommands.length === 0) {
    lines.push(`complete -c datachonk ${when}${valueFlags(node.argument, tree).replace(' -x', '').replace(' -r', '')}`);
  }
  return [...lines, ...node.options.map((option) => optionLine(node, option, tree))];
}

/**
 * The fish completion script: `__datachonk_cmd` walks the words typed (as bash.ts does) to find the
 * command path, and each `complete` line applies to one path.
 */
export function fishScript(tree: CompletionTree): string {
  return `# fish completion for datachonk, made by \`datachonk completion fish\` from its commands.
# Install: datachonk completion fish > ~/.config/fish/completions/datachonk.fish

${pathSwitch('__datachonk_subcommands', tree, (node) => node.subcommands.map((s) => s.name))}

${pathSwitch('__datachonk_valued', tree, valuedOptions)}

function __datachonk_cmd
    set -l cmd
    set -l expect 0
    for word in (commandline -opc)[2..-1]
        if test $expect = 1
            set expect 0
            continue
        end
        if string match -q -- '-*' $word
            if not string match -q -- '*=*' $word; and contains -- $word (__datachonk_valued "$cmd")
                set expect 1
            end
            continue
        end
        if contains -- $word (__datachonk_subcommands "$cmd")
            set -a cmd $word
        end
    end
    echo "$cmd"
end

function __datachonk_is
    set -l cmd (__datachonk_cmd)
    test "$cmd" = "$argv[1]"
end

function __datachonk_event_list
    set -l done (string replace -r '[^,]*$' '' -- (commandline -ct))
    printf "$done%s\\n" ${tree.eventTypes.map(fishQuote).join(' ')}
end

complete -c datachonk -f
${tree.nodes.flatMap((node) => nodeLines(node, tree)).join('\n')}
`;
}
