import { loadConfig } from '@stratus/config';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/** Where the dev server sends `/api`: `BACKEND_URL`, else the configured backend port on loopback. */
const backendUrl = process.env.BACKEND_URL ?? `http://127.0.0.1:${loadConfig().todo.backend.port}`;

export default defineConfig({
  plugins: [react()],
  server: {
    host: '127.0.0.1',
    proxy: { '/api': { target: backendUrl, changeOrigin: false, xfwd: true } },
  },
  preview: {
    host: '127.0.0.1',
    proxy: { '/api': { target: backendUrl, changeOrigin: false, xfwd: true } },
  },
  build: {
    outDir: 'build',
    assetsDir: 'assets',
    sourcemap: false,
  },
});
