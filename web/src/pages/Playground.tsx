// The API playground: the REST API's OpenAPI document (/parse/openapi.json) browsed or in Swagger
// UI, and GraphiQL for /graphql. All run offline (no CDN): this page is part of the app's own bundle,
// loaded only when opened. The master key field is never stored.
import { lazy, Suspense, useEffect, useState } from 'react';
import { APP_ID, SERVER_URL } from '../parse';
import { Link } from '../router';
import { ErrorText } from './common';

const SwaggerView = lazy(() => import('./SwaggerView'));
const GraphiQLView = lazy(() => import('./GraphiQLView'));

export default function Playground({ page }: { page?: string }) {
  return (
    <section>
      <h1>API playground</h1>
      <nav aria-label="Playground" className="actions">
        <Link to="/playground/rest" aria-current={page !== 'graphql' && page !== 'swagger' ? 'page' : undefined}>
          REST (OpenAPI)
        </Link>
        <Link to="/playground/swagger" aria-current={page === 'swagger' ? 'page' : undefined}>
          REST (Swagger UI)
        </Link>
        <Link to="/playground/graphql" aria-current={page === 'graphql' ? 'page' : undefined}>
          GraphQL
        </Link>
      </nav>
      {page === 'graphql' ? <GraphQL /> : page === 'swagger' ? <Swagger /> : <OpenApi />}
    </section>
  );
}

interface Operation {
  summary?: string;
  description?: string;
  tags?: string[];
  parameters?: { name: string; in: string; required?: boolean; description?: string }[];
  requestBody?: unknown;
  responses?: Record<string, { description?: string }>;
}

function OpenApi() {
  const [doc, setDoc] = useState<{ info?: { title?: string; version?: string }; paths?: Record<string, Record<string, Operation>> }>();
  const [error, setError] = useState('');
  const [filter, setFilter] = useState('');

  async function load(masterKey?: string) {
    setError('');
    try {
      const res = await fetch(`${SERVER_URL}/openapi.json`, { headers: masterKey ? { 'X-Parse-Master-Key': masterKey } : {} });
      if (!res.ok) throw new Error(String(res.status));
      setDoc(await res.json());
    } catch {
      setError('The OpenAPI document cannot be read from this server.');
    }
  }
  useEffect(() => {
    void load();
  }, []);

  const operations = Object.entries(doc?.paths ?? {}).flatMap(([path, methods]) =>
    Object.entries(methods)
      .filter(([m]) => ['get', 'post', 'put', 'delete', 'patch'].includes(m))
      .map(([method, op]) => ({ path, method: method.toUpperCase(), op })),
  );
  const shown = operations.filter(({ path, op }) => !filter || `${path} ${op.summary ?? ''}`.toLowerCase().includes(filter.toLowerCase()));

  return (
    <section aria-labelledby="rest-heading">
      <h2 id="rest-heading">REST API {doc?.info?.version ? `(${doc.info.title} ${doc.info.version})` : ''}</h2>
      <p>
        Every request carries the app id <code>{APP_ID}</code> in <code>X-Parse-Application-Id</code>, under <code>{SERVER_URL}</code>. The raw
        document: <a href={`${SERVER_URL}/openapi.json`}>openapi.json</a>.
      </p>
      <form
        className="filters"
        onSubmit={(e) => {
          e.preventDefault();
          void load(String(new FormData(e.currentTarget).get('key')) || undefined);
        }}
      >
        <label>
          Master key (optional: shows the master-only classes; never stored)
          <input name="key" type="password" autoComplete="off" />
        </label>
        <button type="submit">Reload the document</button>
      </form>
      <label>
        Filter operations
        <input type="search" value={filter} onChange={(e) => setFilter(e.target.value)} />
      </label>
      <ErrorText>{error}</ErrorText>
      {doc && <p role="status">{shown.length} operations</p>}
      <ul className="plain" aria-label="Operations">
        {shown.map(({ path, method, op }) => (
          <li key={`${method} ${path}`}>
            <details>
              <summary>
                <code>{method}</code> <code>{path}</code> {op.summary}
              </summary>
              {op.description && <p>{op.description}</p>}
              {(op.parameters ?? []).length > 0 && (
                <ul>
                  {op.parameters!.map((p) => (
                    <li key={`${p.in}:${p.name}`}>
                      <code>{p.name}</code> ({p.in}
                      {p.required ? ', required' : ''}) {p.description}
                    </li>
                  ))}
                </ul>
              )}
              {op.requestBody !== undefined && <pre className="mail">{JSON.stringify(op.requestBody, null, 2)}</pre>}
              <ul>
                {Object.entries(op.responses ?? {}).map(([status, r]) => (
                  <li key={status}>
                    {status}: {r.description}
                  </li>
                ))}
              </ul>
            </details>
          </li>
        ))}
      </ul>
    </section>
  );
}

function GraphQL() {
  const [key, setKey] = useState('');
  return (
    <section aria-labelledby="graphql-heading">
      <h2 id="graphql-heading">GraphQL</h2>
      <p>
        GraphiQL on <code>/graphql</code>, as Parse Server serves it. The app id is in the request headers below the query; sessions work
        there too (<code>X-Parse-Session-Token</code>).
      </p>
      <form
        className="filters"
        onSubmit={(e) => {
          e.preventDefault();
          setKey(String(new FormData(e.currentTarget).get('key')));
        }}
      >
        <label>
          Master key (optional: sent with every query and shows the schema; never stored)
          <input name="key" type="password" autoComplete="off" />
        </label>
        <button type="submit">Use this key</button>
      </form>
      <Suspense fallback={<p role="status">Loading GraphiQL…</p>}>
        <GraphiQLView masterKey={key} />
      </Suspense>
    </section>
  );
}

function Swagger() {
  const [key, setKey] = useState('');
  return (
    <section aria-labelledby="swagger-heading">
      <h2 id="swagger-heading">REST API in Swagger UI</h2>
      <form
        className="filters"
        onSubmit={(e) => {
          e.preventDefault();
          setKey(String(new FormData(e.currentTarget).get('key')));
        }}
      >
        <label>
          Master key (optional: sent with every call; never stored)
          <input name="key" type="password" autoComplete="off" />
        </label>
        <button type="submit">Use this key</button>
      </form>
      <Suspense fallback={<p role="status">Loading Swagger UI…</p>}>
        <SwaggerView masterKey={key} />
      </Suspense>
    </section>
  );
}
