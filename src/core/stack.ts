import { headerValue } from './headers.js';

// Which language an endpoint is written in, from what its answers show: the Server header its server
// writes (Werkzeug, uvicorn, Jetty, Kestrel, Puma…), X-Powered-By (PHP, Express, ASP.NET), Go's default
// 404 page, or a stack trace in an error page. The hints then give the fix in that language
// (ui/stack-advice.ts words it); none found: the advice stays generic.

/** A receiver's language. */
export type Stack = 'node' | 'python' | 'java' | 'csharp' | 'php' | 'go' | 'ruby';

const SERVER: readonly [RegExp, Stack][] = [
  [/werkzeug|gunicorn|uvicorn|hypercorn|daphne|waitress|tornado|aiohttp|basehttp|python|cherrypy/i, 'python'],
  [/jetty|tomcat|undertow|netty|glassfish|wildfly|jboss|java/i, 'java'],
  [/kestrel|microsoft-iis|microsoft-httpapi/i, 'csharp'],
  [/puma|webrick|unicorn|passenger|thin|falcon|rack/i, 'ruby'],
  [/^php|php\//i, 'php'],
];

const POWERED_BY: readonly [RegExp, Stack][] = [
  [/^php/i, 'php'],
  [/express|next\.js|koa|nest/i, 'node'],
  [/asp\.net/i, 'csharp'],
  [/servlet|jsp/i, 'java'],
  [/phusion|rails/i, 'ruby'],
];

const BODY: readonly [RegExp, Stack][] = [
  [/Traceback \(most recent call last\)|werkzeug|File "[^"]+\.py", line/, 'python'],
  [/Exception in thread|\bat (java|javax|jakarta|org\.springframework)\.|java\.lang\./, 'java'],
  [/\bat [\w.]+\(.*\.js:\d+:\d+\)|node:internal|ERR_CRYPTO_/, 'node'],
  [/System\.[\w.]+Exception|Microsoft\.AspNetCore/, 'csharp'],
  [/PHP (Fatal|Warning|Notice)|Stack trace:\s*#0/, 'php'],
  [/^404 page not found\n?$/, 'go'],
  [/goroutine \d+ \[running\]/, 'go'],
];

/** The stack an answer shows, from its headers (flat name, value… list) and body; undefined when it shows none. */
export function detectStack(headers: readonly string[], body: string): Stack | undefined {
  const server = headerValue(headers, 'server');
  const poweredBy = headerValue(headers, 'x-powered-by');
  return (
    (server ? match(SERVER, server) : undefined) ??
    (poweredBy ? match(POWERED_BY, poweredBy) : undefined) ??
    match(BODY, body.slice(0, 4096))
  );
}

function match(table: readonly [RegExp, Stack][], text: string): Stack | undefined {
  return table.find(([pattern]) => pattern.test(text))?.[1];
}
