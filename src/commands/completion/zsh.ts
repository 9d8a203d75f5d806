import { caseArms, quote, valueArms, valuedOptions } from './shell.js';
import type { CompletionNode, CompletionTree } from './tree.js';

/** `name:description` words for zsh's _describe (a colon in a name would end it). */
function described(pairs: { name: string; description: string }[]): string {
  return `print -rl -- ${pairs.map(({ name, description }) => quote(`${name.replaceAll(':', '\\:')}:${description}`)).join(' ')}`;
}

function optionPairs(node: CompletionNode) {
  return node.options.flatMap((o) => o.names.map((name) => ({ name, description: o.description })));
}

/** The functions zsh calls: the same for every program, they read the data functions above them. */
const WALK = `_datachonk_complete() {
  case $1 in
    @files) _files ;;
    @event-list) compset -P '*,'; compadd -q -S ',' -- \${=$(_datachonk_event_types)} ;;
    '') _default ;;
    *) compadd -- \${=1} ;;
  esac
}

_datachonk() {
  local cur=\${words[CURRENT]} cmd='' expect='' word i
  local -a names subs opts
  for ((i = 2; i < CURRENT; i++)); do
    word=\${words[i]}
    if [[ -n $expect ]]; then expect=''; continue; fi
    if [[ $word == -* ]]; then
      [[ $word != *=* && " $(_datachonk_valued "$cmd") " == *" $word "* ]] && expect=$word
      continue
    fi
    names=(\${\${(f)"$(_datachonk_subcommands "$cmd")"}%%:*})
    (( \${names[(Ie)$word]} )) && cmd=\${cmd:+$cmd }$word
  done
  if [[ -n $expect ]]; then
    _datachonk_complete "$(_datachonk_values "$cmd" "$expect")"
  elif [[ $cur == -* ]]; then
    opts=(\${(f)"$(_datachonk_options "$cmd")"})
    _describe -t options option opts
  else
    subs=(\${(f)"$(_datachonk_subcommands "$cmd")"})
    if (( $#subs )); then
      _describe -t commands command subs
    else
      _datachonk_complete "$(_datachonk_values "$cmd" '')"
    fi
  fi
}

`;

/**
 * The zsh completion script: the same walk as bash's (see bash.ts), with descriptions. Sourced, it
 * registers itself with compdef; saved as `_datachonk` in $fpath, compinit autoloads it.
 */
export function zshScript(tree: CompletionTree): string {
  return `#compdef datachonk
# zsh completion for datachonk, made by \`datachonk completion zsh\` from its commands.
# Install: echo 'source <(datachonk completion zsh)' >> ~/.zshrc (after compinit), or save it as
# _datachonk in a folder of $fpath.

_datachonk_subcommands() {
  case $1 in
${caseArms(tree, (node) => (node.subcommands.length ? described(node.subcommands) : undefined)).join('\n')}
  esac
}

_datachonk_options() {
  case $1 in
${caseArms(tree, (node) => (node.options.length ? described(optionPairs(node)) : undefined)).join('\n')}
  esac
}

_datachonk_valued() {
  case $1 in
${caseArms(tree, (node) => (valuedOptions(node).length ? `print -r -- ${quote(valuedOptions(node).join(' '))}` : undefined)).join('\n')}
  esac
}

_datachonk_values() {
  case "$1|$2" in
${valueArms(tree, (words) => `print -r -- ${quote(words)}`).join('\n')}
  esac
}

_datachonk_event_types() {
  print -r -- ${quote(tree.eventTypes.join(' '))}
}

${WALK}if [[ \${zsh_eval_context[-1]} == loadautofunc ]]; then
  _datachonk "$@"
else
  compdef _datachonk datachonk
fi
`;
}
