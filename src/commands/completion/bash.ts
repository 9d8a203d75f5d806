import { caseArms, quote, valueArms, valuedOptions } from './shell.js';
import type { CompletionTree } from './tree.js';

/** The function bash calls: the same for every program, it reads the data functions above it. */
const WALK = `_datachonk() {
  local cur=\${COMP_WORDS[COMP_CWORD]} cmd='' expect='' word values i
  for ((i = 1; i < COMP_CWORD; i++)); do
    word=\${COMP_WORDS[i]}
    if [[ -n $expect ]]; then expect=''; continue; fi
    if [[ $word == -* ]]; then
      [[ $word != *=* && " $(_datachonk_valued "$cmd") " == *" $word "* ]] && expect=$word
      continue
    fi
    [[ " $(_datachonk_subcommands "$cmd") " == *" $word "* ]] && cmd=\${cmd:+$cmd }$word
  done
  if [[ -n $expect ]]; then
    values=$(_datachonk_values "$cmd" "$expect")
  elif [[ $cur == -* ]]; then
    values=$(_datachonk_options "$cmd")
  else
    values=$(_datachonk_subcommands "$cmd")
    [[ -z $values ]] && values=$(_datachonk_values "$cmd" '')
  fi
  case "$values" in
    @files) COMPREPLY=() ;;
    @event-list)
      local done=''
      [[ $cur == *,* ]] && done=\${cur%,*},
      COMPREPLY=($(compgen -P "$done" -W "$(_datachonk_event_types)" -- "\${cur##*,}")) ;;
    *) COMPREPLY=($(compgen -W "$values" -- "$cur")) ;;
  esac
}

`;

/**
 * The bash completion script. `_datachonk` walks the words typed so far to find the command path
 * (`events resend`), skipping the values of options that take one, then offers the subcommands, the
 * options (after `-`), or the values of the option before the cursor: its choices, event types, a
 * comma-separated list of event types, or files.
 */
export function bashScript(tree: CompletionTree): string {
  return `# bash completion for datachonk, made by \`datachonk completion bash\` from its commands.
# Install: echo 'source <(datachonk completion bash)' >> ~/.bashrc

_datachonk_subcommands() {
  case "$1" in
${caseArms(tree, (node) => (node.subcommands.length ? `echo ${quote(node.subcommands.map((s) => s.name).join(' '))}` : undefined)).join('\n')}
  esac
}

_datachonk_options() {
  case "$1" in
${caseArms(tree, (node) => (node.options.length ? `echo ${quote(node.options.flatMap((o) => o.names).join(' '))}` : undefined)).join('\n')}
  esac
}

_datachonk_valued() {
  case "$1" in
${caseArms(tree, (node) => (valuedOptions(node).length ? `echo ${quote(valuedOptions(node).join(' '))}` : undefined)).join('\n')}
  esac
}

_datachonk_values() {
  case "$1|$2" in
${valueArms(tree, (words) => `echo ${quote(words)}`).join('\n')}
  esac
}

_datachonk_event_types() {
  echo ${quote(tree.eventTypes.join(' '))}
}

${WALK}# -o default: files when there is nothing else to offer (--file, --fixture, a value typed freely).
complete -o default -F _datachonk datachonk
`;
}
