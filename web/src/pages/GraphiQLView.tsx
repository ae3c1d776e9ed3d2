// GraphiQL over /graphql, from the npm package (no CDN: it works offline), in its own chunk loaded
// only on this page. The app id header is prefilled in GraphiQL's header editor; the master key
// is a separate field of the playground, added by the fetcher and kept in memory only: GraphiQL
// saves tabs and history in localStorage, and a key typed into its header editor would be one
// setting away from being saved there too.
//
// The schema is read here, not by GraphiQL: its schema store is global to the page and races a
// fetcher that changes with the key (an older, keyless introspection can land last), so
// GraphiQL gets the schema as a prop, read again whenever the key changes.
import { useCallback, useEffect, useRef, useState } from 'react';
import { GraphiQL } from 'graphiql';
import { buildClientSchema, getIntrospectionQuery, type GraphQLSchema, type IntrospectionQuery } from 'graphql';
import 'graphiql/style.css';
import { APP_ID } from '../parse';

const EXAMPLE = `# Products, most expensive first.
# The schema (docs, completion) needs the master key above, unless the
# server sets GRAPHQL_PUBLIC_INTROSPECTION.
query Products {
  products(first: 5, order: [price_DESC]) {
    edges { node { objectId title price stock } }
  }
}
`;

interface Params {
  query: string;
  variables?: unknown;
  operationName?: string | null;
}

export default function GraphiQLView({ masterKey }: { masterKey: string }) {
  const key = useRef(masterKey);
  key.current = masterKey;
  const fetcher = useCallback(async (params: Params, opts?: { headers?: Record<string, unknown> }) => {
    const headers: Record<string, string> = { 'Content-Type': 'application/json' };
    for (const [name, value] of Object.entries(opts?.headers ?? {})) headers[name] = String(value);
    if (!Object.keys(headers).some((h) => h.toLowerCase() === 'x-parse-application-id')) headers['X-Parse-Application-Id'] = APP_ID;
    if (key.current) headers['X-Parse-Master-Key'] = key.current;
    const res = await fetch(`${location.origin}/graphql`, { method: 'POST', headers, body: JSON.stringify(params) });
    return res.json();
  }, []);

  // undefined: being read; null: this caller may not read it.
  const [schema, setSchema] = useState<GraphQLSchema | null | undefined>(undefined);
  useEffect(() => {
    let live = true;
    setSchema(undefined);
    fetcher({ query: getIntrospectionQuery(), operationName: 'IntrospectionQuery' })
      .then((r: { data?: IntrospectionQuery }) => live && setSchema(r?.data?.__schema ? buildClientSchema(r.data) : null))
      .catch(() => live && setSchema(null));
    return () => {
      live = false;
    };
  }, [masterKey, fetcher]);

  return (
    <>
      <p role="status">
        {schema === undefined
          ? 'Reading the schema…'
          : schema
            ? 'Schema read: the documentation explorer and completion are on.'
            : 'This server shows its schema to the master key only: queries run, without docs or completion.'}
      </p>
      <div className="graphiql" role="region" aria-label="GraphiQL">
        <GraphiQL
          fetcher={fetcher}
          schema={schema ?? null}
          defaultQuery={EXAMPLE}
          defaultHeaders={JSON.stringify({ 'X-Parse-Application-Id': APP_ID }, null, 2)}
          shouldPersistHeaders={false}
        />
      </div>
    </>
  );
}
