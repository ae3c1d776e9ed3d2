// The bare companion worker of scripts/bench.sh: plain JS, no framework, no auth. Each route
// does the least the platform allows for one kind of work, so it measures the floor. Its D1 is a
// copy of the product's seeded database, so its reads run over the very same rows and pages as
// W1 and W2 do; it answers only the three columns a client would minimally need.
//
//   GET  /hello             no storage
//   GET  /d1/:id            one D1 primary-key read
//   GET  /range?min=&max=   one D1 20-row indexed range query, newest first
//   GET  /do                one Durable Object round trip
//   GET  /ws (upgrade)      joins the broadcast room (a hibernatable WebSocket)
//   POST /broadcast         the room sends one message to every socket it holds
//   POST /r2/put[/:key]     one R2 put of the body, streamed (a new key when none is given)
//   GET  /r2/get/:key       one R2 get, its body streamed back

const json = (value, status = 200) =>
  new Response(JSON.stringify(value), { status, headers: { "content-type": "application/json" } });

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const path = url.pathname;
    if (path === "/hello") return new Response("hello");
    if (path.startsWith("/d1/")) {
      const row = await env.DB.prepare('SELECT "objectId", "price", "createdAt" FROM "Product" WHERE "objectId" = ?')
        .bind(path.slice(4))
        .first();
      return row ? json(row) : json({ error: "not found" }, 404);
    }
    if (path === "/range") {
      const min = Number(url.searchParams.get("min"));
      const max = Number(url.searchParams.get("max"));
      const { results } = await env.DB.prepare(
        'SELECT "objectId", "price", "createdAt" FROM "Product" WHERE "price" >= ? AND "price" <= ? ' +
          'ORDER BY "createdAt" DESC LIMIT 20',
      )
        .bind(min, max)
        .all();
      return json({ results });
    }
    if (path === "/r2/put" || path.startsWith("/r2/put/")) {
      const key = path.slice("/r2/put/".length) || `put/${crypto.randomUUID()}`;
      await env.FILES.put(key, request.body, {
        httpMetadata: { contentType: request.headers.get("content-type") ?? "application/octet-stream" },
      });
      return json({ key }, 201);
    }
    if (path.startsWith("/r2/get/")) {
      const object = await env.FILES.get(path.slice("/r2/get/".length));
      if (!object) return json({ error: "not found" }, 404);
      return new Response(object.body, {
        headers: { "content-type": object.httpMetadata?.contentType ?? "application/octet-stream", etag: object.httpEtag },
      });
    }
    if (path === "/do") return env.ROOM.get(env.ROOM.idFromName("ping")).fetch("https://room/ping");
    if (path === "/ws" || path === "/broadcast") {
      // Every socket and every broadcast go to the same room.
      return env.ROOM.get(env.ROOM.idFromName("room")).fetch(request);
    }
    return json({ error: "not found" }, 404);
  },
};

export class Room {
  constructor(ctx) {
    this.ctx = ctx;
  }

  async fetch(request) {
    const path = new URL(request.url).pathname;
    if (path === "/ping") return json({ pong: true });
    if (path === "/ws") {
      if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") return json({ error: "expected a WebSocket" }, 426);
      const [client, server] = Object.values(new WebSocketPair());
      // Hibernatable, like the product's live hubs.
      this.ctx.acceptWebSocket(server);
      return new Response(null, { status: 101, webSocket: client });
    }
    if (path === "/broadcast" && request.method === "POST") {
      // The body is the message, so the benchmark can tell one broadcast from the next.
      const message = (await request.text()) || "{}";
      let sent = 0;
      for (const ws of this.ctx.getWebSockets()) {
        try {
          ws.send(message);
          sent++;
        } catch {
          // a socket closing right now; the benchmark counts what arrives
        }
      }
      return json({ sent });
    }
    return json({ error: "not found" }, 404);
  }

  webSocketMessage() {}

  webSocketClose(ws, code) {
    try {
      ws.close(code, "bye");
    } catch {
      // already closed
    }
  }
}
