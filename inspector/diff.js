// A line diff of two texts: the longest common subsequence of their lines (issue 14: "Diff two events").

// Past this many cells the table would take too long and too much memory: the middle is then shown as
// removed, then added.
const MAX_CELLS = 4_000_000;

/** `[{ op: ' ' | '-' | '+', line }]`: `a`'s lines turned into `b`'s. */
export function lineDiff(a, b) {
  const left = a.split('\n');
  const right = b.split('\n');
  let start = 0;
  while (start < left.length && start < right.length && left[start] === right[start]) start++;
  let endL = left.length;
  let endR = right.length;
  while (endL > start && endR > start && left[endL - 1] === right[endR - 1]) {
    endL--;
    endR--;
  }
  const same = (lines) => lines.map((line) => ({ op: ' ', line }));
  const middle = lcsDiff(left.slice(start, endL), right.slice(start, endR));
  return [...same(left.slice(0, start)), ...middle, ...same(left.slice(endL))];
}

function lcsDiff(left, right) {
  const n = left.length;
  const m = right.length;
  if ((n + 1) * (m + 1) > MAX_CELLS) {
    return [...left.map((line) => ({ op: '-', line })), ...right.map((line) => ({ op: '+', line }))];
  }
  // lengths[i][j]: the LCS of left[i..] and right[j..].
  const width = m + 1;
  const lengths = new Uint32Array((n + 1) * width);
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lengths[i * width + j] =
        left[i] === right[j]
          ? lengths[(i + 1) * width + j + 1] + 1
          : Math.max(lengths[(i + 1) * width + j], lengths[i * width + j + 1]);
    }
  }
  const out = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && left[i] === right[j]) {
      out.push({ op: ' ', line: left[i++] });
      j++;
    } else if (i < n && (j === m || lengths[(i + 1) * width + j] >= lengths[i * width + j + 1])) {
      out.push({ op: '-', line: left[i++] });
    } else {
      out.push({ op: '+', line: right[j++] });
    }
  }
  return out;
}
