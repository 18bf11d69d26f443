import { constants } from 'node:os';

export const SHUTDOWN_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/** The part of `process` this needs; tests pass an EventEmitter. */
export interface SignalSource {
  on(event: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
}

export interface WaitForShutdownSignalOptions {
  /** Default: process. */
  source?: SignalSource;
  /**
   * A repeat within this window is the same request arriving twice (Ctrl+C reaches the whole process group, and the
   * bin wrapper forwards it too), not a second request. Default 1000 ms.
   */
  repeatWindowMs?: number;
  now?: () => number;
  log?: (message: string) => void;
  /** A second signal after the window: default exits at once with 128 + the signal's number. */
  onForce?: (signal: NodeJS.Signals) => void;
}

/**
 * Resolves with the first SIGINT/SIGTERM/SIGHUP so the command can stop cleanly (stop accepting, end the running
 * job, close the database). The handlers stay installed: a later signal means "stop now" and forces the exit.
 */
export function waitForShutdownSignal(options: WaitForShutdownSignalOptions = {}): Promise<NodeJS.Signals> {
  const source = options.source ?? process;
  const repeatWindowMs = options.repeatWindowMs ?? 1000;
  const now = options.now ?? Date.now;
  const log = options.log ?? ((message: string) => console.error(message));
  const onForce = options.onForce ?? ((signal: NodeJS.Signals) => process.exit(128 + (constants.signals[signal] ?? 0)));
  return new Promise((resolve) => {
    let firstAt: number | undefined;
    const onSignal = (signal: NodeJS.Signals) => {
      if (firstAt === undefined) {
        firstAt = now();
        log(`${signal}: shutting down (stopping jobs, closing the database); signal again to force`);
        resolve(signal);
      } else if (now() - firstAt > repeatWindowMs) {
        log(`${signal} again: exiting without a clean shutdown`);
        onForce(signal);
      }
    };
    for (const signal of SHUTDOWN_SIGNALS) source.on(signal, onSignal);
  });
}
