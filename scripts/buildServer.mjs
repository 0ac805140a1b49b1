// Bundles the server into server/dist/main.js for `npm start` and the bench: plain Node runs
// it, without a TypeScript loader in memory. Our workspace packages are bundled (they are
// TypeScript); every other package stays an import Node resolves from node_modules, so lazy
// imports (redis, docx) stay lazy.
import { build } from "esbuild";

await build({
  entryPoints: ["server/src/main.ts"],
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  outfile: "server/dist/main.js",
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
