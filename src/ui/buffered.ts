import type { OutStream } from '../context.js';
import type { Shown } from './style.js';

/**
 * Gathers the lines written in one turn of the event loop into a single write. Writes to a file or
 * pipe are synchronous in Node; under load, one write per line per request costs more than the
 * forwarding itself.
 */
export function bufferedLines(stream: OutStream): { line(text: Shown): void; flush(): void } {
  let pending = '';
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    if (pending.length === 0) return;
    const text = pending;
    pending = '';
    stream.write(text);
  };
  return {
    line(text) {
      pending += `${text.text}\n`;
      if (pending.length > 64 * 1024) flush();
      else if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    },
    flush,
  };
}
