// Bundles the server into server/dist/main.js for `npm start` and the bench: plain Node runs
// it, without a TypeScript loader in memory. Our workspace packages are bundled (they are
// TypeScript); every other package stays an import Node resolves from node_modules.
import { rmSync } from "node:fs";
import { build } from "esbuild";

// Chunk names carry a hash: start from an empty directory so old chunks do not pile up.
rmSync("server/dist", { recursive: true, force: true });

await build({
  entryPoints: ["server/src/main.ts"],
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  // Split: what a dynamic import loads (the Redis store and its client, DOCX rendering) is a chunk
  // of its own, so its static imports run only when it is loaded.
  splitting: true,
  outdir: "server/dist",
  chunkNames: "chunks/[name]-[hash]",
  sourcemap: true,
  logLevel: "warning",
  plugins: [
    {
      name: "external-packages",
      setup(b) {
        b.onResolve({ filter: /^[^./]/ }, (args) =>
          args.path.startsWith("@gavel/") ? undefined : { path: args.path, external: true },
        );
      },
    },
  ],
});
