// The web app's build. The worker serves web/dist as static assets (wrangler.toml [assets]).
// The app id comes from wrangler.toml's [vars], so the app and the worker never disagree.
import { readFileSync } from 'node:fs';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

function wranglerVar(name: string): string | undefined {
  const toml = readFileSync(new URL('../wrangler.toml', import.meta.url), 'utf8');
  const vars = toml.split(/^\s*\[vars\]\s*$/m)[1]?.split(/^\s*\[/m)[0] ?? '';
  return vars.match(new RegExp(`^\\s*${name}\\s*=\\s*"([^"]*)"`, 'm'))?.[1];
}

export default defineConfig({
  plugins: [react()],
  define: {
    __APP_ID__: JSON.stringify(wranglerVar('APP_ID') ?? 'artisan-market'),
    __MOUNT_PATH__: JSON.stringify(wranglerVar('MOUNT_PATH') || '/parse'),
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // Hashed names under /assets; index.html is never cached (see public/_headers).
    assetsDir: 'assets',
    chunkSizeWarningLimit: 2000,
  },
});
