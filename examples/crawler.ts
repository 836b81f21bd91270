// crawler: asynchronous requests. The example starts a small HTTP server of its own on
// loopback (a site of linked pages, each answered after a short delay), then crawls it
// from '/': fetch a page over yieldio streams (HTTP/1.0 by hand: one request per
// connection), find its links, fetch those not seen yet. Every fetch is a task in one
// taskGroup, so the crawl ends when the last page is in, and a crash anywhere cancels
// the rest. A Semaphore bounds the connections open at once; the crawler counts them
// to prove the bound holds.
// Run it: npm run example -- crawler
import { getRunningLoop, sleep, taskGroup, type Coro, type TaskGroup } from '@yieldio/core';
import { openConnection, startServer, type StreamReader, type StreamWriter } from '@yieldio/net';
import { Semaphore } from '@yieldio/sync';

/** The site: each page and the links on it. '/missing' is linked but not there. */
export const site: Record<string, string[]> = {
  '/': ['/docs', '/blog', '/about'],
  '/docs': ['/docs/start', '/docs/api', '/'],
  '/docs/start': ['/docs/api'],
  '/docs/api': ['/missing'],
  '/blog': ['/blog/1', '/blog/2', '/blog/3'],
  '/blog/1': ['/blog/2'],
  '/blog/2': [],
  '/blog/3': ['/about'],
  '/about': ['/'],
};

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
const bytes = (s: string) => new TextEncoder().encode(s);

/** The server's side of one connection: read the request, wait a little, answer. */
function* serve(reader: StreamReader, writer: StreamWriter): Coro<void> {
  const request = text(yield* reader.readuntil(bytes('\r\n\r\n')));
  const path = request.split(' ')[1];
  yield* sleep(0.05); // a slow server: concurrency pays
  const links = site[path];
  const body =
    links === undefined
      ? '<h1>not found</h1>'
      : `<h1>${path}</h1>\n${links.map((href) => `<a href="${href}">${href}</a>`).join('\n')}`;
  const status = links === undefined ? '404 Not Found' : '200 OK';
  writer.write(bytes(`HTTP/1.0 ${status}\r\nContent-Type: text/html\r\n\r\n${body}`));
  yield* writer.drain();
  writer.close();
}

class Crawler {
  readonly seen = new Set<string>();
  open = 0;
  mostOpen = 0;
  readonly slots: Semaphore;

  constructor(readonly port: number, limit: number) {
    this.slots = new Semaphore(limit);
  }

  /** GET one page: [status, body]. */
  *fetch(path: string): Coro<[number, string]> {
    using _ = yield* this.slots.hold(); // at most `limit` connections at once
    this.open++;
    this.mostOpen = Math.max(this.mostOpen, this.open);
    try {
      const [reader, writer] = yield* openConnection('127.0.0.1', this.port);
      writer.write(bytes(`GET ${path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n`));
      const response = text(yield* reader.read()); // to EOF: HTTP/1.0 closes after one answer
      writer.close();
      yield* writer.waitClosed();
      const [head, body] = response.split('\r\n\r\n');
      return [Number(head.split(' ')[1]), body];
    } finally {
      this.open--;
    }
  }

  *crawl(tg: TaskGroup, path: string): Coro<void> {
    const [status, body] = yield* this.fetch(path);
    const links = [...body.matchAll(/href="([^"]+)"/g)].map((m) => m[1]);
    console.log(`${status} ${path} (${links.length} links)`);
    for (const link of links) {
      if (this.seen.has(link)) continue;
      this.seen.add(link);
      tg.createTask(this.crawl(tg, link));
    }
  }
}

export function* main(limit = 3): Coro<void> {
  const loop = getRunningLoop();
  const server = yield* startServer(serve, '127.0.0.1', 0);
  const port = (server.sockets[0].getsockname() as [string, number])[1];
  const crawler = new Crawler(port, limit);
  const start = loop.time();
  try {
    crawler.seen.add('/');
    yield* taskGroup(function* (tg) {
      tg.createTask(crawler.crawl(tg, '/'));
    });
  } finally {
    server.close();
    yield* server.waitClosed();
  }
  const took = loop.time() - start;
  console.log(
    `crawled ${crawler.seen.size} pages in ${took.toFixed(2)} s, ` +
      `at most ${crawler.mostOpen} connections open at once (limit ${limit})`,
  );
}
