# The Gavel server. Build context: the repository root.
# Stage 1 builds the browser client (Vite) and the server bundle (esbuild), devDependencies; stage 2 runs the server with
# production dependencies only and the built client.
FROM node:20-bookworm-slim AS build
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
COPY packages/model/package.json packages/model/
COPY packages/protocol/package.json packages/protocol/
COPY server/package.json server/
COPY client/package.json client/
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build:client && npm run build:server && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /app
COPY --from=build /app /app
ENV HOST=0.0.0.0 PORT=1234 DATA_DIR=/data NODE_ENV=production
RUN mkdir -p /data && chown node:node /data
VOLUME /data
EXPOSE 1234
USER node
# Not `npm start`: its prestart builds the client and the server bundle, which the image holds.
CMD ["node", "server/dist/main.js"]
