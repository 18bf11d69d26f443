import type { ActionDeps } from './action-deps.js';

export interface ModelActions {
  loadModels(): Promise<void>;
  /**
   * Makes `version` current after the person confirms: a version the promotion rule kept aside ("promote anyway") or
   * an older one (rollback). Resolves false when they declined. Every page then follows the `model.current` frame.
   */
  promote(version: number): Promise<boolean>;
}

export function createModelActions(deps: Pick<ActionDeps, 'http' | 'store' | 'confirm'>): ModelActions {
  const { http, store } = deps;
  const actions: ModelActions = {
    async loadModels() {
      store.dispatch({ type: 'models.listed', list: await http.listModels() });
    },
    async promote(version) {
      if (!deps.confirm(promoteQuestion(version, store.state.models, store.state.modelVersion))) return false;
      await http.promoteModel(version);
      await actions.loadModels();
      return true;
    },
  };
  return actions;
}

/** What the person is asked before a version becomes current: names what they are overriding or going back from. */
export function promoteQuestion(
  version: number,
  models: readonly {
    version: number;
    promoted: boolean;
    valDice: number | null;
    comparedWith: { version: number; valDice: number } | null;
  }[],
  current: number | undefined,
): string {
  const m = models.find((v) => v.version === version);
  const dice = (x: number | null | undefined) => (x === null || x === undefined ? '–' : x.toFixed(3));
  const now = current === undefined || current === 0 ? '' : ` instead of v${current}`;
  if (m && !m.promoted && m.comparedWith) {
    return (
      `Make v${version} current anyway${now}? It scored Dice ${dice(m.valDice)} on its validation patches, ` +
      `below v${m.comparedWith.version}'s ${dice(m.comparedWith.valDice)} on the same patches.`
    );
  }
  const back = current !== undefined && version < current;
  return `${back ? 'Roll back to' : 'Make'} v${version}${back ? '' : ' current'}${now}? Overlays and suggestions will show its predictions where it has scored the slide.`;
}
