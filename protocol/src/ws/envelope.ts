import { z } from 'zod';

/**
 * Position in the daemon's broadcast stream. Broadcasts get consecutive values; replies to one socket
 * (`welcome`, `error`, `resync`) carry the current position without advancing it and are never replayed.
 * A client keeps the highest `seq` it saw and sends it back in `hello.lastSeq` when it reconnects.
 */
export const Seq = z.number().int().nonnegative();
export type Seq = z.infer<typeof Seq>;

/** Optional correlation id a client may put on a command; the daemon echoes it as `error.replyTo`. */
export const RequestId = z.string().min(1).max(64);
export type RequestId = z.infer<typeof RequestId>;
