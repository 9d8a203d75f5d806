// One short phrase per event for the listener's output. Reads fields defensively: the payload may
// come from anywhere and need not match the inferred schemas.

type Data = Record<string, unknown>;

const str = (value: unknown): string | undefined => (typeof value === 'string' && value ? value : undefined);
const list = (value: unknown): unknown[] | undefined => (Array.isArray(value) ? value : undefined);
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

function chonk(data: Data): string | undefined {
  const name = str(data.chonk_name) ?? str(data.chonk_id);
  if (!name) return undefined;
  const type = str(data.chonk_type);
  return type ? `${name} (${type})` : name;
}

/** A short description of an event's data, e.g. "dim_customers (entity), 2 files generated". */
export function summarizeEvent(event: string, data: unknown): string {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return '';
  const d = data as Data;
  const parts: (string | undefined)[] = [];
  switch (event) {
    case 'chonk.created':
    case 'chonk.deleted':
      parts.push(chonk(d));
      break;
    case 'chonk.updated': {
      const fields = list(d.changes)?.map((c) => str((c as Data | null)?.field)).filter(Boolean);
      parts.push(chonk(d), fields?.length ? `changed ${fields.join(', ')}` : undefined);
      break;
    }
    case 'generation.started':
      parts.push(chonk(d), str(d.dbt_version) ? `dbt ${String(d.dbt_version)}` : undefined);
      break;
    case 'generation.completed': {
      const files = list(d.files_generated);
      parts.push(chonk(d), files ? `${plural(files.length, 'file')} generated` : undefined);
      break;
    }
    case 'generation.failed': {
      const error = (d.error ?? {}) as Data;
      const reason = [str(error.code), str(error.message)].filter(Boolean).join(': ');
      parts.push(chonk(d), reason || undefined);
      break;
    }
    case 'scan.completed': {
      const tables = list(d.tables);
      const where = [str(d.warehouse), str(d.database)].filter(Boolean).join(' ');
      parts.push(where || undefined, tables ? `${plural(tables.length, 'table')} scanned` : undefined);
      break;
    }
    case 'push.completed': {
      const sha = str(d.commit_sha)?.slice(0, 7);
      const where = [str(d.repository), str(d.branch)].filter(Boolean).join('@');
      parts.push(sha || where ? `pushed ${sha ?? ''}${sha && where ? ' to ' : ''}${where}` : undefined);
      break;
    }
    default:
      parts.push(chonk(d));
  }
  return parts.filter(Boolean).join(', ');
}
