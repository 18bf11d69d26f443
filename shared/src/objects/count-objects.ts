/**
 * Number of 8-connected foreground (non-zero) components of a row-major mask, as `connectedComponents(…).count`
 * gives with its defaults, without labelling pixels: foreground runs of each row are joined with the runs of the row
 * above that touch them (union-find over runs). Memory grows with the runs, not the pixels, so a person's
 * 4096² region is counted in one pass over its bytes.
 */
export function countObjects(data: Uint8Array, width: number, height: number): number {
  if (data.length !== width * height) {
    throw new RangeError(`countObjects: ${data.length} pixels for a ${width}×${height} mask`);
  }
  const parent: number[] = [];
  const find = (a: number): number => {
    let r = a;
    while (parent[r] !== r) r = parent[r] as number;
    while (parent[a] !== r) {
      const next = parent[a] as number;
      parent[a] = r;
      a = next;
    }
    return r;
  };
  let components = 0;
  // Runs of the previous and current row as [start, end] (inclusive) and their ids.
  let prevStart: number[] = [];
  let prevEnd: number[] = [];
  let prevId: number[] = [];
  for (let y = 0; y < height; y++) {
    const row = y * width;
    const curStart: number[] = [];
    const curEnd: number[] = [];
    const curId: number[] = [];
    let p = 0;
    let x = 0;
    while (x < width) {
      if (data[row + x] === 0) {
        x++;
        continue;
      }
      const start = x;
      while (x < width && data[row + x] !== 0) x++;
      const end = x - 1;
      const id = parent.length;
      parent.push(id);
      components++;
      // Runs above that touch this one, diagonals included (8-connectivity).
      while (p < prevStart.length && (prevEnd[p] as number) < start - 1) p++;
      for (let q = p; q < prevStart.length && (prevStart[q] as number) <= end + 1; q++) {
        const a = find(id);
        const b = find(prevId[q] as number);
        if (a !== b) {
          parent[a] = b;
          components--;
        }
      }
      curStart.push(start);
      curEnd.push(end);
      curId.push(id);
    }
    prevStart = curStart;
    prevEnd = curEnd;
    prevId = curId;
  }
  return components;
}
