import { command } from '../define.js';

export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

export default command({
  args: [{ name: '<shell>', description: 'the shell to complete in', choices: SHELLS }],
  options: {},
  examples: [
    "echo 'source <(datachonk completion bash)' >> ~/.bashrc",
    "echo 'source <(datachonk completion zsh)' >> ~/.zshrc     # after compinit",
    'mkdir -p ~/.config/fish/completions && datachonk completion fish > ~/.config/fish/completions/datachonk.fish',
  ],
  action: async () => (await import('./run.js')).default,
});
