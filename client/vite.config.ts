import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const root = fileURLToPath(new URL(".", import.meta.url));

/**
 * The browser client. `npm run build:client` writes client/dist, which the server serves at `/`
 * (server/src/http/clientPlugin.ts). Workspace packages (@gavel/model, @gavel/protocol) resolve
 * through their node_modules symlinks to TypeScript sources, which Vite compiles like the client's own.
 */
export default defineConfig({
  root,
  base: "/",
  // Files copied as they are to client/dist (e.g. a favicon.ico), when client/public exists.
  publicDir: fileURLToPath(new URL("./public", import.meta.url)),
  resolve: {
    // One copy of each, or Yjs and ProseMirror misbehave (constructor checks across copies).
    dedupe: ["yjs", "y-protocols", "lib0", "@tiptap/pm", "@tiptap/core", "react", "react-dom"],
  },
  build: {
    outDir: fileURLToPath(new URL("./dist", import.meta.url)),
    emptyOutDir: true,
    target: "es2022",
    sourcemap: true,
    rollupOptions: { input: fileURLToPath(new URL("./index.html", import.meta.url)) },
  },
  server: {
    // `vite --config client/vite.config.ts` during development: the API and sockets stay on the Gavel server.
    proxy: {
      "/api": "http://127.0.0.1:1234",
      "/collab": { target: "ws://127.0.0.1:1234", ws: true },
      "/y/": { target: "ws://127.0.0.1:1234", ws: true },
    },
  },
});
