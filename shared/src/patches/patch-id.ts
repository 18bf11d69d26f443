/** Stable id of a patch: its source and level-0 origin, e.g. `slide-3@512,1024`. */
export function patchId(sourceId: string, x: number, y: number): string {
  return `${sourceId}@${x},${y}`;
}
