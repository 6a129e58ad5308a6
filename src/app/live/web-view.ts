import type { Clock } from '../../io/clock.js';
import { LiveServer, type LiveView } from '../../io/web/live-server.js';

/** A live page for a command: port (0: any free one), host (default 127.0.0.1), and where to say its address. */
export interface WebViewOptions {
  port: number;
  host?: string;
  /** The page's address, once it listens (before the command connects to anything). */
  onListening?(url: string): void;
}

/**
 * Serves `view` while `run` lasts: listening before it starts, a last frame and every stream
 * ended after it returns or throws (the open tabs keep that last picture and say the tool is
 * not reachable; they come back by themselves when it runs again on the same port).
 */
export async function withWebView<T>(view: LiveView, web: WebViewOptions, clock: Clock, run: (url: string) => Promise<T>): Promise<T> {
  const server = new LiveServer(view, { port: web.port, clock, ...(web.host ? { host: web.host } : {}) });
  const url = await server.start();
  web.onListening?.(url);
  try {
    return await run(url);
  } finally {
    await server.close();
  }
}
