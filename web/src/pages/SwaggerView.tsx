// Swagger UI over /parse/openapi.json, from the npm package (no CDN: it works offline), in its
// own chunk loaded only on this page. The app id header is added to every call "Try it out"
// makes; a master key, when typed, too (kept in memory only, never stored).
import { useEffect, useRef } from 'react';
// @ts-expect-error: the UMD bundle ships no types
import SwaggerUIBundle from 'swagger-ui-dist/swagger-ui-bundle.js';
import 'swagger-ui-dist/swagger-ui.css';
import { APP_ID, SERVER_URL } from '../parse';

export default function SwaggerView({ masterKey }: { masterKey: string }) {
  const root = useRef<HTMLDivElement>(null);
  const key = useRef(masterKey);
  key.current = masterKey;
  useEffect(() => {
    if (!root.current) return;
    SwaggerUIBundle({
      domNode: root.current,
      url: `${SERVER_URL}/openapi.json`,
      deepLinking: false,
      tryItOutEnabled: false,
      requestInterceptor: (req: { headers: Record<string, string> }) => {
        req.headers['X-Parse-Application-Id'] = APP_ID;
        if (key.current) req.headers['X-Parse-Master-Key'] = key.current;
        return req;
      },
    });
  }, [masterKey]);
  return <div ref={root} className="swagger" />;
}
