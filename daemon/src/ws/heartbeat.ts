import type { WebSocket, WebSocketServer } from 'ws';

export interface HeartbeatOptions {
  intervalMs: number;
}

/**
 * Pings every client each interval and terminates those that did not pong since the previous ping
 * (ws README, "How to detect and close broken connections"). Half-open TCP connections would otherwise
 * keep receiving broadcasts into a growing buffer forever. Returns `stop()`.
 */
export function startHeartbeat(wss: WebSocketServer, options: HeartbeatOptions): () => void {
  const alive = new WeakMap<WebSocket, boolean>();
  const onConnection = (ws: WebSocket): void => {
    alive.set(ws, true);
    ws.on('pong', () => alive.set(ws, true));
  };
  wss.on('connection', onConnection);
  const timer = setInterval(() => {
    for (const ws of wss.clients) {
      if (alive.get(ws) === false) {
        ws.terminate();
        continue;
      }
      alive.set(ws, false);
      ws.ping();
    }
  }, options.intervalMs);
  timer.unref();
  return () => {
    clearInterval(timer);
    wss.off('connection', onConnection);
  };
}
