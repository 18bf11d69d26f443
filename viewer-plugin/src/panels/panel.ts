import type { ViewerIntents } from '../actions/viewer-intents.js';
import type { ViewerState } from '../state/viewer-state.js';

/** A piece of the plugin's UI: renders the state it is given and turns clicks into intents; holds no truth. */
export interface Panel {
  readonly element: HTMLElement;
  render(state: ViewerState): void;
  destroy(): void;
}

export interface PanelContext {
  intents: ViewerIntents;
}

export type CreatePanel = (context: PanelContext) => Panel;

/**
 * Calls `render` only when one of the slices `select` picks changed (by identity: the reducer makes new objects
 * only for what changed), so a job.progress frame does not rebuild the suggestion list under the mouse.
 */
export function renderOnChange(
  select: (state: ViewerState) => readonly unknown[],
  render: (state: ViewerState) => void,
): (state: ViewerState) => void {
  let last: readonly unknown[] | undefined;
  return (state) => {
    const next = select(state);
    if (last && next.length === last.length && next.every((v, i) => Object.is(v, last![i]))) return;
    last = next;
    render(state);
  };
}
