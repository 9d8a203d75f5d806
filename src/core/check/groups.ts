// The groups of `datachonk check`, in the order they run and are reported. Light on purpose: the
// command's definition (and so --help) reads it to check --only and --skip.

export const CHECK_GROUPS = [
  'delivery',
  'forgery',
  'duplicates',
  'forward-compat',
  'bad-input',
  'fidelity',
  'latency',
] as const;

export type CheckGroup = (typeof CHECK_GROUPS)[number];

export function isCheckGroup(name: string): name is CheckGroup {
  return (CHECK_GROUPS as readonly string[]).includes(name);
}
