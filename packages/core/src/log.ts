/**
 * Where the loop writes what it cannot raise: exceptions no one retrieved, callbacks
 * that threw, slow callbacks in debug mode (asyncio's `asyncio.log.logger`).
 * Replace the methods to route them elsewhere: `logger.error = (msg) => myLog(msg)`.
 */
export const logger = {
  error(message: string): void {
    console.error(message);
  },
  warning(message: string): void {
    console.warn(message);
  },
};
