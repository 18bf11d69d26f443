import type { AnnotationAck, SlideInfo, Suggestion } from '@activeseg/protocol';
import type OpenSeadragon from 'openseadragon';
import type { HttpClient } from '../client/http-client.js';
import type { WsClient } from '../client/ws-client.js';
import type { SlideView } from '../layers/slide-view.js';
import type { Store } from '../state/create-store.js';
import type { LayerName, ViewerAction, ViewerState } from '../state/viewer-state.js';
import type { AnnotationTool, ToolName } from '../tools/annotation-tool.js';

/** Viewer events the plugin raises (OSD kebab-case with the `activeseg-` prefix). */
export interface ActiveSegEventMap {
  'activeseg-slide-open': { slide: SlideInfo };
  'activeseg-suggestion-select': { suggestion: Suggestion; index: number };
  'activeseg-tool-change': { tool: ToolName };
  'activeseg-layer-toggle': { layer: LayerName; visible: boolean };
  'activeseg-annotation-stored': { ack: AnnotationAck };
}

export type RaiseEvent = <K extends keyof ActiveSegEventMap>(name: K, args: ActiveSegEventMap[K]) => void;

/** What actions work with: the daemon, the state, and the objects on the viewer. */
export interface ActionDeps {
  viewer: OpenSeadragon.Viewer;
  daemonUrl: string;
  token: string;
  http: HttpClient;
  ws: Pick<WsClient, 'send' | 'subscribe' | 'hold'>;
  store: Store<ViewerState, ViewerAction>;
  slideView: SlideView;
  tool: AnnotationTool;
  raise: RaiseEvent;
  /** Puts an error into the state, for the status bar. */
  report: (err: unknown) => void;
  suggestionCount: number;
  isDestroyed: () => boolean;
  /** Asks the person yes or no (window.confirm in the page). */
  confirm: (message: string) => boolean;
}
