import { DaemonError } from '../client/http-client.js';
import { loadAdjustment } from '../state/adjustment-storage.js';
import type { ActionDeps } from './action-deps.js';

export interface SlideActions {
  /** Shows the slide with its overlays and suggestions; rejects when the daemon does not have it. */
  openSlide(slideId: string): Promise<void>;
  refreshSlides(): Promise<void>;
  /**
   * Deletes a slide after the person confirms; a slide holding annotations (their work) needs a second, explicit
   * confirmation naming how many. Resolves false when they declined.
   */
  deleteSlide(slideId: string): Promise<boolean>;
  loadSuggestions(): Promise<void>;
  /** The open slide's stored annotations, for the Annotations panel and layer. */
  loadAnnotations(): Promise<void>;
  /**
   * Shows section `z` of the open volume (clamped): image and overlays on that section. A region being annotated
   * belongs to the section it was drawn on, so it is dropped (unsaved) when the section changes. Resolves once the
   * section's image layer is shown.
   */
  showSection(z: number): Promise<void>;
  /** After another model version became current: the open slide's suggestions and overlays of the version it shows. */
  followCurrentModel(): Promise<void>;
}

export function createSlideActions(
  deps: Pick<
    ActionDeps,
    'viewer' | 'http' | 'ws' | 'store' | 'slideView' | 'tool' | 'raise' | 'suggestionCount' | 'isDestroyed' | 'confirm'
  >,
): SlideActions {
  const { http, store, slideView } = deps;
  const actions: SlideActions = {
    async showSection(z) {
      store.dispatch({ type: 'section.changed', z });
      const { slide, section, layers } = store.state;
      if (!slide || section === slideView.section) return;
      deps.tool.end();
      slideView.hideOutline();
      await slideView.showSection(slide, section, layers);
    },
    async openSlide(slideId) {
      if (deps.isDestroyed()) return;
      const slide = await http.getSlide(slideId);
      if (deps.isDestroyed()) return;
      deps.tool.end();
      slideView.clear();
      store.dispatch({ type: 'slide.opened', slide, adjustment: loadAdjustment(slide.id) });
      deps.ws.subscribe([slide.id]);
      await slideView.show(slide, 'image', store.state.layers.image).ready;
      deps.viewer.viewport.goHome(true);
      await Promise.all([actions.followCurrentModel(), actions.loadAnnotations()]);
      deps.raise('activeseg-slide-open', { slide });
    },
    async followCurrentModel() {
      const slide = store.state.slide;
      if (!slide) return;
      // The daemon lists the suggestions of the version the slide's overlays should show (the current model's, where
      // it has scored the slide), so the layers follow the list's version.
      await actions.loadSuggestions();
      const version = store.state.suggestionsVersion;
      if (version === null || store.state.slide?.id !== slide.id) return;
      for (const layer of ['prediction', 'uncertainty'] as const) {
        if (slideView.layer(layer) && store.state.layers[layer].modelVersion === version) continue;
        slideView.show(slide, layer, { ...store.state.layers[layer], modelVersion: version });
        store.dispatch({ type: 'layer.shown', layer, modelVersion: version });
      }
    },
    async deleteSlide(slideId) {
      const name = store.state.slides.find((s) => s.id === slideId)?.name ?? slideId;
      if (!deps.confirm(`Delete the slide “${name}” and every file made from it (pyramid, overlays, scores)?`)) {
        return false;
      }
      try {
        await http.deleteSlide(slideId);
      } catch (err) {
        if (!(err instanceof DaemonError) || err.code !== 'SLIDE_HAS_ANNOTATIONS') throw err;
        if (
          !deps.confirm(`“${name}” has annotations. ${err.message}. Delete its annotations too? This cannot be undone.`)
        ) {
          return false;
        }
        await http.deleteSlide(slideId, { force: true });
      }
      if (store.state.slide?.id === slideId) {
        deps.tool.end();
        slideView.clear();
      }
      await actions.refreshSlides();
      return true;
    },
    async refreshSlides() {
      const list = await http.listSlides();
      store.dispatch({ type: 'slides.listed', slides: list.slides });
    },
    async loadSuggestions() {
      const slide = store.state.slide;
      if (!slide) return;
      // The learning view changes when the suggestions do (an annotation, a new model version); fetched beside
      // them, so a failure of one never hides the other.
      const learning = http.getLearning(slide.id).then((report) => store.dispatch({ type: 'learning.loaded', report }));
      learning.catch(() => {}); // awaited (and reported) below, unless the suggestions fail first
      const list = await http.listSuggestions({ slideId: slide.id, k: deps.suggestionCount });
      store.dispatch({ type: 'suggestions.loaded', list });
      await learning;
    },
    async loadAnnotations() {
      const slide = store.state.slide;
      if (!slide) return;
      store.dispatch({ type: 'annotations.loaded', list: await http.listAnnotations(slide.id) });
    },
  };
  return actions;
}
