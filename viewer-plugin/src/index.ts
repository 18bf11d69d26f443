export {
  type ActiveSegEventMap,
  type ActiveSegHandle,
  type AttachActiveSegOptions,
  attachActiveSeg,
} from './attach-active-seg.js';
export { createHttpClient, DaemonError, type HttpClient, type HttpClientOptions } from './client/http-client.js';
export { createReconnectPolicy, type ReconnectPolicy, type ReconnectPolicyOptions } from './client/reconnect-policy.js';
export { type ConnectionState, createWsClient, type WsClient, type WsClientOptions } from './client/ws-client.js';
export { decodeRle, encodeRle } from './codec/rle.js';
export { invalidatedTileRanges, type PyramidGeometry, type TileRange } from './layers/tile-invalidation.js';
export { DaemonTileSource, type DaemonTileSourceOptions } from './sources/daemon-tile-source.js';
export { authHeaders, type WsEndpoint, wsEndpoint } from './sources/tile-url.js';
export { applyServerMessage, type ServerCommand, serverMessageCommands } from './state/apply-server-message.js';
export { reduceViewerState } from './state/reduce-viewer-state.js';
export { initialViewerState, type ViewerAction, type ViewerState } from './state/viewer-state.js';
export type { ToolName } from './tools/annotation-tool.js';
export { MaskCanvas } from './tools/mask-canvas.js';
export { UndoStack, type UndoStackOptions } from './tools/undo-stack.js';
